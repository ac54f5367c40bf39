// Keys live in $DOKKU_ROOT/.ssh/authorized_keys in sshcommand's format: a Dokku host's file copied
// in, or a line a tool appends, logs in with the real OpenSSH client; ssh-keys:add/remove keep the
// format; a hand-broken line is named on stderr and in the server log, and never logs anyone in.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, makeKey, type ClientKey } from '../helpers/server.js';
import { loadSettings } from '../../src/settings.js';
import { Store } from '../../src/store/index.js';

async function fingerprint(key: ClientKey): Promise<string> {
  return (await execa('ssh-keygen', ['-lf', key.publicKey])).stdout.split(' ')[1];
}

/** The line sshcommand acl-add appends on a Dokku host (home /home/dokku). */
async function dokkuLine(key: ClientKey, name: string): Promise<string> {
  const pub = fs.readFileSync(key.publicKey, 'utf8').trim();
  return `command="FINGERPRINT=${await fingerprint(key)} NAME=\\"${name}\\" \`cat /home/dokku/.sshcommand\` $SSH_ORIGINAL_COMMAND",no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding ${pub}`;
}

describe('authorized_keys in Dokku\'s format (real OpenSSH client)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let file: string;

  before(async () => {
    server = await TestServer.start();
    file = path.join(server.home, 'home', '.ssh', 'authorized_keys');
  });
  after(async () => { await server?.stop(); });

  it('ssh-keys:add writes sshcommand\'s line; list prints sshcommand\'s fields', async () => {
    const text = fs.readFileSync(file, 'utf8');
    const fp = await fingerprint(server.admin);
    const pub = fs.readFileSync(server.admin.publicKey, 'utf8').trim();
    const root = path.join(server.home, 'home');
    assert.equal(text, `command="FINGERPRINT=${fp} NAME=\\"admin\\" \`cat ${root}/.sshcommand\` $SSH_ORIGINAL_COMMAND",no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding ${pub}\n`);
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
    const list = await server.ssh(['ssh-keys:list']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, `${fp} NAME="admin" SSHCOMMAND_ALLOWED_KEYS="no-agent-forwarding,no-user-rc,no-x11-forwarding,no-port-forwarding"`);
    const json = JSON.parse((await server.ssh(['ssh-keys:list', '--format', 'json'])).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(json, [{ fingerprint: fp, name: 'admin', SSHCOMMAND_ALLOWED_KEYS: 'no-agent-forwarding,no-user-rc,no-x11-forwarding,no-port-forwarding', 'public-key': pub, admin: true }]);
  });

  it('a line appended in sshcommand\'s format logs in at once, is listed, and is an admin key', async () => {
    const ci = await makeKey(server.dir, 'ci');
    assert.equal((await server.ssh(['apps:list'], { key: ci })).code, 255, 'not yet a key');
    fs.appendFileSync(file, `${await dokkuLine(ci, 'ci')}\n`);
    const created = await server.ssh(['apps:create', 'from-ci'], { key: ci });
    assert.equal(created.code, 0, created.stderr);
    const list = await server.ssh(['ssh-keys:list', 'ci'], { key: ci });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${(await fingerprint(ci)).replace(/[+/]/g, '\\$&')} NAME="ci" `));
  });

  it('a Dokku host\'s file copied in replaces the keys: its keys log in, the old ones do not', async () => {
    const saved = fs.readFileSync(file, 'utf8');
    const [ops, deploy] = await Promise.all([makeKey(server.dir, 'ops'), makeKey(server.dir, 'deploy', 'rsa')]);
    fs.writeFileSync(file, `${await dokkuLine(ops, 'ops')}\n${await dokkuLine(deploy, 'deploy@ci')}\n`);
    try {
      for (const key of [ops, deploy]) {
        const r = await server.ssh(['ssh-keys:list', '--format', 'json'], { key });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual((JSON.parse(r.stdout) as Array<{ name: string }>).map((k) => k.name), ['ops', 'deploy@ci']);
      }
      const old = await server.ssh(['apps:list']);
      assert.equal(old.code, 255);
      assert.match(old.stderr, /Permission denied/);
    } finally {
      fs.writeFileSync(file, saved);
    }
  });

  it('a hand-broken line is named on stderr and in the server log, and never logs in', async () => {
    const [bare, forged] = await Promise.all([makeKey(server.dir, 'bare'), makeKey(server.dir, 'forged')]);
    const before = fs.readFileSync(file, 'utf8');
    const forgedLine = (await dokkuLine(forged, 'forged')).replace(/FINGERPRINT=\S+/, `FINGERPRINT=${await fingerprint(server.admin)}`);
    fs.appendFileSync(file, `# a comment stays\n${fs.readFileSync(bare.publicKey, 'utf8').trim()}\n${forgedLine}\n`);
    const lines = before.split('\n').length; // the comment is line `lines`
    for (const key of [bare, forged]) {
      const r = await server.ssh(['apps:list'], { key });
      assert.equal(r.code, 255, `${key.name} must not log in`);
    }
    const list = await server.ssh(['ssh-keys:list']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(list.stderr.split('\n'), [
      ` !     ${file} line ${lines + 1} ignored: a bare key without sshcommand's command="FINGERPRINT=… NAME=…" prefix`,
      ` !     ${file} line ${lines + 2} ignored: its FINGERPRINT does not match the key`,
    ]);
    assert.deepEqual(list.stdout.split('\n').map((l) => l.split(' ')[1]), ['NAME="admin"', 'NAME="ci"']);
    assert.match(server.output, new RegExp(`slipway: ${file.replace(/[.]/g, '\\.')} line ${lines + 2} ignored: its FINGERPRINT does not match the key`));

    // ssh-keys:add says the same, adds a non-admin key, and leaves every other line as it was.
    const dev = await makeKey(server.dir, 'dev');
    const add = await server.ssh(['ssh-keys:add', 'dev'], { input: fs.readFileSync(dev.publicKey) });
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stderr.split('\n').length, 2, add.stderr);
    assert.match(add.stderr, /line \d+ ignored: a bare key/);
    const after = fs.readFileSync(file, 'utf8').split('\n');
    assert.match(after.at(-2)!, /^command="FINGERPRINT=\S+ NAME=\\"dev\\" `cat .*\/\.sshcommand` \$SSH_ORIGINAL_COMMAND",no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding,environment="SLIPWAY_KEY_ADMIN=false" ssh-ed25519 \S+ dev$/);
    const denied = await server.ssh(['ssh-keys:list'], { key: dev });
    assert.equal(denied.code, 1, 'a key added without --admin is not an admin');
    assert.match(denied.stderr, /Access denied/);

    // ssh-keys:remove drops only its key's line: the comment and the broken lines stay for the operator.
    const remove = await server.ssh(['ssh-keys:remove', 'ci']);
    assert.equal(remove.code, 0, remove.stderr);
    const left = fs.readFileSync(file, 'utf8');
    assert.equal(left.includes('NAME=\\"ci\\"'), false);
    assert.ok(left.includes('# a comment stays\n'));
    assert.ok(left.includes(forgedLine));
    const byFingerprint = await server.ssh(['ssh-keys:remove', '--fingerprint', await fingerprint(dev)]);
    assert.equal(byFingerprint.code, 0, byFingerprint.stderr);
    assert.equal(fs.readFileSync(file, 'utf8').includes('NAME=\\"dev\\"'), false);
  });

  it('keys Slipway kept in its older JSON list are read, and moved into authorized_keys on the next write', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-keys-json-'));
    try {
      const settings = loadSettings({ SLIPWAY_HOME: path.join(dir, 'data'), SLIPWAY_KEYS_DIR: path.join(dir, 'keys') });
      const store = new Store(settings);
      const old = await makeKey(dir, 'old');
      const [type, data] = fs.readFileSync(old.publicKey, 'utf8').split(' ');
      fs.mkdirSync(path.join(dir, 'keys'));
      const legacy = path.join(dir, 'keys', 'authorized_keys.json');
      fs.writeFileSync(legacy, JSON.stringify([{ name: 'old', fingerprint: await fingerprint(old), type, data, admin: false, added: '2026-01-01T00:00:00Z' }]));
      assert.deepEqual((await store.keys.list()).map((k) => [k.name, k.admin]), [['old', false]]);
      await store.keys.update((keys) => keys);
      assert.equal(fs.existsSync(legacy), false);
      const view = await store.keys.read();
      assert.deepEqual(view.problems, []);
      assert.deepEqual(view.keys.map((k) => [k.name, k.fingerprint, k.admin]), [['old', await fingerprint(old), false]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
