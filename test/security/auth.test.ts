// SSH authentication against hostile and ordinary clients: only a verified signature from a
// stored key logs in, with SHA-2 or better; offered keys, forged signatures, other methods,
// wrong users and SHA-1/DSA signatures get nothing. ssh2's Client plays the attacker where
// OpenSSH cannot express the attack.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { AnyAuthMethod, ParsedKey } from 'ssh2';
import { TestServer, makeKey, type ClientKey } from '../helpers/server.js';
import { ScriptedAgent, connect, connectWith, exec, loadKey, tryAuth } from '../helpers/ssh-client.js';
import { installPlugin } from '../helpers/fixtures.js';

describe('security: SSH authentication', function () {
  this.timeout(60_000);
  let server: TestServer;
  let keys: Record<'ecdsa' | 'rsa' | 'dev' | 'stranger', ClientKey>;
  let admin: ParsedKey;
  let dev: ParsedKey;
  let stranger: ParsedKey;
  let rsa: ParsedKey;
  const nameFile = () => path.join(server.dir, 'ssh-name');
  /** The SSH_NAME the server bound for the last command. */
  const lastName = () => fs.readFileSync(nameFile(), 'utf8');

  before(async () => {
    server = await TestServer.start();
    keys = {
      ecdsa: await makeKey(server.dir, 'ecdsa', 'ecdsa'),
      rsa: await makeKey(server.dir, 'rsa', 'rsa'),
      dev: await makeKey(server.dir, 'dev'),
      stranger: await makeKey(server.dir, 'stranger'),
    };
    for (const name of ['ecdsa', 'rsa', 'dev'] as const) {
      const added = await server.dokku(['ssh-keys:add', name, keys[name].publicKey]);
      assert.equal(added.code, 0, added.stderr);
    }
    admin = loadKey(server.admin.privateKey);
    dev = loadKey(keys.dev.privateKey);
    stranger = loadKey(keys.stranger.privateKey);
    rsa = loadKey(keys.rsa.privateKey);
    // user-auth runs before every SSH command with SSH_USER SSH_NAME CMD…: it records who the
    // server thinks is logged in, for any command (even one access control would refuse).
    installPlugin(server.home, 'whoami', { 'user-auth': `#!/usr/bin/env bash\nprintf '%s' "$2" > ${nameFile()}\n` });
  });
  after(async () => { await server?.stop(); });

  describe('keys OpenSSH offers by default', () => {
    for (const [name, algos] of [['admin', 'ssh-ed25519'], ['ecdsa', 'ecdsa-sha2-nistp256'], ['rsa', 'rsa-sha2-256']] as const) {
      // Regression: every RSA key was refused, because ssh2 names rsa-sha2-* requests `ssh-rsa`.
      it(`${name === 'rsa' ? 'regression: ' : ''}accepts a ${algos} signature and binds the key's name`, async () => {
        const key = name === 'admin' ? server.admin : keys[name];
        const r = await server.ssh(['version'], { key, extra: ['-o', `PubkeyAcceptedAlgorithms=${algos}`] });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(lastName(), name);
      });
    }
  });

  it('regression: accepts an rsa-sha2-512 signature (ssh2 client)', async () => {
    const run = await tryAuth(server.sshPort, [{ type: 'publickey', username: 'dokku', key: rsa }], { sigAlgs: ['rsa-sha2-512'] });
    assert.equal(run.authenticated, true, run.errors.join('; '));
  });

  it('refuses an ssh-rsa (SHA-1) signature from OpenSSH', async () => {
    const r = await server.ssh(['version'], { key: keys.rsa, extra: ['-v', '-o', 'PubkeyAcceptedAlgorithms=ssh-rsa'] });
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Offering public key: .* RSA SHA256:/, 'the client did try the key');
    assert.match(r.stderr, /Permission denied \(publickey\)/);
  });

  it('refuses an ssh-rsa (SHA-1) signature from the ssh2 client', async () => {
    const run = await tryAuth(server.sshPort, [{ type: 'publickey', username: 'dokku', key: rsa }], { sigAlgs: ['ssh-rsa'] });
    assert.equal(run.authenticated, false);
    assert.equal(run.stepsSent, 1);
  });

  it('refuses a DSA key even when one is found in the key store (hand-edited store)', async () => {
    const dsa = await makeKey(server.dir, 'dsa', 'dsa');
    // A line in sshcommand's format, as a hand edit or an old Dokku host's file would hold it.
    const file = path.join(server.home, 'home', '.ssh', 'authorized_keys');
    const original = fs.readFileSync(file);
    const [type, data] = fs.readFileSync(dsa.publicKey, 'utf8').split(' ');
    fs.appendFileSync(file, `command="FINGERPRINT=SHA256:legacy NAME=\\"legacy-dsa\\" \`cat /home/dokku/.sshcommand\` $SSH_ORIGINAL_COMMAND",no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding ${type} ${data}\n`);
    try {
      const r = await server.ssh(['version'], { key: dsa, extra: ['-v', '-o', 'PubkeyAcceptedAlgorithms=+ssh-dss'] });
      assert.equal(r.code, 255, r.stdout);
      assert.match(r.stderr, /Offering public key: .* DSA SHA256:/, 'the client did try the key');
      assert.match(r.stderr, /Permission denied/);
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it('a key offered without a signature (PK_OK) authenticates nothing, and neither do none, password or keyboard-interactive after it', async () => {
    const agent = new ScriptedAgent(admin);
    const run = await tryAuth(server.sshPort, [
      { type: 'agent', username: 'dokku', agent },
      { type: 'none', username: 'dokku' },
      { type: 'password', username: 'dokku', password: 'dokku' },
      { type: 'keyboard-interactive', username: 'dokku', prompt: (_n, _i, _l, prompts, finish) => finish(prompts.map(() => 'dokku')) },
      { type: 'none', username: 'dokku' },
    ]);
    assert.equal(agent.signRequests, 1, 'the server answered the query with PK_OK');
    assert.equal(run.authenticated, false);
    assert.equal(run.stepsSent, 5, 'every later method was tried and refused');
    for (const methods of run.methodsOffered) assert.deepEqual(methods, ['publickey']);
  });

  it('a forged signature (authorized key offered, another key signs) is refused', async () => {
    const agent = new ScriptedAgent(admin, stranger);
    const run = await tryAuth(server.sshPort, [{ type: 'agent', username: 'dokku', agent }, { type: 'none', username: 'dokku' }]);
    assert.equal(agent.signRequests, 1);
    assert.equal(run.authenticated, false);
  });

  it('regression (soft-serve CVE-2023-43809): offering the admin key then signing with dev binds dev, not admin', async () => {
    const agent = new ScriptedAgent(admin);
    const client = await connectWith(server.sshPort, [
      { type: 'agent', username: 'dokku', agent },
      { type: 'publickey', username: 'dokku', key: dev },
    ]);
    try {
      assert.equal(agent.signRequests, 1, 'admin key was offered and PK_OK answered');
      assert.equal((await exec(client, 'version')).code, 0);
      assert.equal(lastName(), 'dev');
      const before = fs.readFileSync(path.join(server.home, 'home', '.ssh', 'authorized_keys'));
      const add = await exec(client, 'ssh-keys:add sneaky', {}, fs.readFileSync(keys.stranger.publicKey, 'utf8'));
      assert.equal(add.code, 1);
      assert.match(add.stderr, /^ !     Access denied\n$/);
      assert.deepEqual(fs.readFileSync(path.join(server.home, 'home', '.ssh', 'authorized_keys')), before);
    } finally {
      client.end();
    }
  });

  for (const [label, step] of [
    ['none', { type: 'none', username: 'dokku' }],
    ['password', { type: 'password', username: 'dokku', password: '' }],
    ['keyboard-interactive', { type: 'keyboard-interactive', username: 'dokku', prompt: (_n: string, _i: string, _l: string, _p: unknown[], finish: (a: string[]) => void) => finish([]) }],
  ] as const) {
    it(`refuses ${label} authentication and offers only publickey`, async () => {
      const run = await tryAuth(server.sshPort, [step as AnyAuthMethod]);
      assert.equal(run.authenticated, false);
      assert.deepEqual(run.methodsOffered[0], ['publickey']);
    });
  }

  for (const user of ['root', 'DOKKU', 'dokku ', 'git']) {
    it(`refuses the user name ${JSON.stringify(user)} even with the admin key`, async () => {
      const run = await tryAuth(server.sshPort, [{ type: 'publickey', username: user, key: admin }]);
      assert.equal(run.authenticated, false);
    });
  }

  it('refuses a key that is not in the store (ssh2 client)', async () => {
    const run = await tryAuth(server.sshPort, [{ type: 'publickey', username: 'dokku', key: stranger }]);
    assert.equal(run.authenticated, false);
  });

  it('a key removed from the store stops logging in at once (no restart)', async () => {
    const extra = await makeKey(server.dir, 'temp');
    assert.equal((await server.dokku(['ssh-keys:add', 'temp', extra.publicKey])).code, 0);
    assert.equal((await server.ssh(['version'], { key: extra })).code, 0);
    assert.equal(lastName(), 'temp');
    assert.equal((await server.dokku(['ssh-keys:remove', 'temp'])).code, 0);
    const r = await server.ssh(['version'], { key: extra });
    assert.equal(r.code, 255);
  });

  it('the real OpenSSH client and the ssh2 client still log in after all of the above', async () => {
    const r = await server.ssh(['version']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastName(), 'admin');
    const client = await connect(server.sshPort, admin);
    try {
      assert.equal((await exec(client, 'version')).code, 0);
      assert.equal(lastName(), 'admin');
    } finally {
      client.end();
    }
  });
});
