// ssh-keys:add takes exactly one well-formed, modern key under a safe name: DSA, short RSA,
// malformed lines, two keys, authorized_keys options, duplicates and odd names are refused
// with one line, and the key store file is byte-identical afterwards (no temp files either).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, makeKey, type ClientKey } from '../helpers/server.js';
import { markerPath } from '../helpers/fixtures.js';

describe('security: ssh-keys:add refuses bad input and leaves the store untouched', function () {
  this.timeout(60_000);
  let server: TestServer;
  let fresh: ClientKey;
  let freshLine: string;
  let adminLine: string;
  const marker = markerPath('keys');
  const storeFile = () => path.join(server.home, 'home', '.ssh', 'authorized_keys');
  const keysDirListing = () => fs.readdirSync(path.join(server.home, 'home', '.ssh')).sort();

  before(async () => {
    server = await TestServer.start();
    fresh = await makeKey(server.dir, 'fresh');
    freshLine = fs.readFileSync(fresh.publicKey, 'utf8').trim();
    adminLine = fs.readFileSync(server.admin.publicKey, 'utf8').trim();
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(marker, { force: true });
  });

  /** Runs ssh-keys:add over SSH with `input` on stdin and checks the refusal left no trace. */
  async function refused(args: string[], input: string, message: RegExp): Promise<void> {
    const before = fs.readFileSync(storeFile());
    const listing = keysDirListing();
    const r = await server.ssh(['ssh-keys:add', ...args], { input });
    assert.equal(r.code, 1, `accepted: ${JSON.stringify(input).slice(0, 120)}`);
    assert.match(r.stderr, /^ ! {5}[^\n]*$/, r.stderr);
    assert.match(r.stderr, message);
    assert.deepEqual(fs.readFileSync(storeFile()), before, 'the key store changed');
    assert.deepEqual(keysDirListing(), listing, 'files appeared in the keys dir');
    assert.equal(fs.existsSync(marker), false);
  }

  it('refuses a DSA key', async () => {
    const dsa = await makeKey(server.dir, 'dsa', 'dsa');
    await refused(['dsa'], fs.readFileSync(dsa.publicKey, 'utf8'), /DSA keys are not accepted/);
  });

  it('refuses an RSA key shorter than 2048 bits', async () => {
    const file = path.join(server.dir, 'id_short');
    await execa('ssh-keygen', ['-q', '-t', 'rsa', '-b', '1024', '-N', '', '-f', file]);
    await refused(['short'], fs.readFileSync(`${file}.pub`, 'utf8'), /at least 2048 bits/);
  });

  const [type, data] = ['ssh-ed25519', 'AAAAC3NzaC1lZDI1NTE5AAAAI'];
  for (const [label, line] of [
    ['empty input', ''],
    ['only a comment', '# nothing here\n'],
    ['random text', 'hello world'],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n'],
    ['bad base64', `${type} !!!notbase64!!! c`],
    ['truncated key data', `${type} ${data} c`],
    ['type that does not match the data', 'KEYTYPE_MISMATCH'],
    ['unknown type', `ssh-foo ${data}AAAA c`],
    ['a type with no data', type],
  ] as const) {
    it(`refuses a malformed key line: ${label}`, async () => {
      const input = line === 'KEYTYPE_MISMATCH' ? freshLine.replace('ssh-ed25519', 'ecdsa-sha2-nistp256') : line;
      await refused(['bad'], input, /Key specified in is not a valid ssh public key|Too many keys provided|Empty key was specified/);
    });
  }

  it('refuses two keys in one input', async () => {
    const other = await makeKey(server.dir, 'other');
    await refused(['two'], `${freshLine}\n${fs.readFileSync(other.publicKey, 'utf8')}`, /Too many keys provided, set one per invocation/);
  });

  for (const options of [
    `command="touch ${marker}"`,
    'environment="LD_PRELOAD=/tmp/x.so"',
    'no-pty',
    `restrict,command="touch ${marker}"`,
    'from="*"',
  ]) {
    it(`refuses a key with authorized_keys options: ${options.slice(0, 30)}`, async () => {
      await refused(['opts'], `${options} ${freshLine}\n`, /Key specified in is not a valid ssh public key/);
    });
  }

  it('refuses a duplicate name', async () => {
    await refused(['admin'], freshLine, /^ ! {5}Duplicate ssh key name$/);
  });

  it('refuses a duplicate key under another name (and with another comment)', async () => {
    await refused(['admin2'], adminLine, /^ ! {5}Duplicate ssh public key specified$/);
    await refused(['admin3'], adminLine.replace(/\S+$/, 'different-comment'), /Duplicate ssh public key specified/);
  });

  for (const name of ['a"b', "a'b", 'a\nb', 'a b', '../x', '-x', 'x'.repeat(65), 'ключ', '$(id)', 'a;b', '']) {
    it(`refuses the key name ${JSON.stringify(name).slice(0, 40)}`, async () => {
      const arg = `'${name.replace(/'/g, `'\\''`)}'`;
      await refused([arg], freshLine, /Key name|key name is required/i);
    });
  }

  it('refuses key input over 16 kB', async () => {
    await refused(['big'], `${freshLine} ${'x'.repeat(20_000)}`, /too large/);
  });

  it('over SSH, a path argument is refused: the server never reads its own disk for a key', async () => {
    await refused(['fromdisk', server.admin.publicKey], '', /pipe the key on stdin/);
  });

  it('regression: ssh-keys:remove of an unknown name with a newline warns in one line (exit 0, as Dokku)', async () => {
    const before = fs.readFileSync(storeFile());
    const r = await server.ssh(['ssh-keys:remove', `'nobody\n${'x'.repeat(200)}'`]);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^ ! {5}No public key found for name nobody\?x+…$/);
    assert.deepEqual(fs.readFileSync(storeFile()), before);
  });

  it('a key without admin rights cannot add keys', async () => {
    const dev = await makeKey(server.dir, 'dev');
    assert.equal((await server.ssh(['ssh-keys:add', 'dev'], { input: fs.readFileSync(dev.publicKey, 'utf8') })).code, 0);
    const before = fs.readFileSync(storeFile());
    const r = await server.ssh(['ssh-keys:add', 'sneaky'], { key: dev, input: freshLine });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Access denied/);
    const rm = await server.ssh(['ssh-keys:remove', 'admin'], { key: dev });
    assert.equal(rm.code, 1);
    assert.deepEqual(fs.readFileSync(storeFile()), before);
  });

  it('the same rules apply to the local CLI, and a good key is still accepted afterwards', async () => {
    const before = fs.readFileSync(storeFile());
    const file = path.join(server.dir, 'with-options.pub');
    fs.writeFileSync(file, `command="touch ${marker}" ${freshLine}\n`);
    const bad = await server.dokku(['ssh-keys:add', 'opts', file]);
    assert.equal(bad.code, 1);
    assert.deepEqual(fs.readFileSync(storeFile()), before);
    const good = await server.ssh(['ssh-keys:add', 'fresh'], { input: freshLine });
    assert.equal(good.code, 0, good.stderr);
    assert.equal((await server.ssh(['version'], { key: fresh })).code, 0);
  });
});
