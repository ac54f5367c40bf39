// 12.5: config:export in each of Dokku's formats, byte for byte (what Dokku's Go code prints for
// the same environment), --merged and --global; config:bundle's tar (one file per key, mode 0600),
// read back by the real tar; all over the real ssh client, output taken raw (no newline stripped).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, sshOptions } from '../helpers/server.js';

describe('12.5: config:export and config:bundle as Dokku writes them', function () {
  this.timeout(120_000);
  let server: TestServer;
  const values = { A: "it's", A0: '007', B: ' <a&b> ', C: 'say "hi" $HOME `x` !\n\r\\' };

  /** stdout exactly as the client received it. */
  const raw = async (args: string[]) => {
    const r = await execa('ssh', [...sshOptions(server.sshPort, server.admin), '--', 'dokku@127.0.0.1', ...args],
      { reject: false, encoding: 'buffer', stripFinalNewline: false, input: '' });
    return { code: r.exitCode, stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr).toString() };
  };
  const exported = async (...args: string[]) => {
    const r = await raw(['config:export', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.toString();
  };

  before(async () => {
    server = await TestServer.start();
    assert.equal((await server.ssh(['apps:create', 'exp'])).code, 0);
    assert.equal((await server.ssh(['apps:create', 'empty'])).code, 0);
    const set = await server.ssh(['config:import', '--no-restart', '--format', 'json', 'exp'], { input: JSON.stringify(values) });
    assert.equal(set.code, 0, set.stderr);
  });
  after(async () => { await server?.stop(); });

  it('12.5: exports, shell, docker-args: single-quoted values, Dokku\'s separators and endings', async () => {
    const q = { A: `'it'\\''s'`, A0: `'007'`, B: `' <a&b> '`, C: `'say "hi" $HOME \`x\` !\n\r\\'` };
    assert.equal(await exported('exp'), `export A=${q.A}\nexport A0=${q.A0}\nexport B=${q.B}\nexport C=${q.C}\n`);
    assert.equal(await exported('--format', 'exports', 'exp'), await exported('exp'));
    assert.equal(await exported('--format', 'shell', 'exp'), `A=${q.A} A0=${q.A0} B=${q.B} C=${q.C} `);
    assert.equal(await exported('--format', 'docker-args', 'exp'), `--env=A=${q.A} --env=A0=${q.A0} --env=B=${q.B} --env=C=${q.C}\n`);
    assert.equal(await exported('--format', 'docker-args-keys', 'exp'), '--env=A --env=A0 --env=B --env=C\n');
    assert.equal(await exported('--format', 'pack-keys', 'exp'), '--env A --env A0 --env B --env C\n');
  });

  it('12.5: envfile is godotenv\'s: integers bare, the rest double-quoted and escaped, lines sorted', async () => {
    assert.equal(await exported('--format', 'envfile', 'exp'),
      'A0=7\nA="it\'s"\nB=" <a&b> "\nC="say \\"hi\\" \\$HOME \\`x\\` \\!\\n\\r\\\\"\n');
  });

  it('12.5: pretty is columnize\'s (trimmed values, two spaces); json and json-list are Go\'s encoding', async () => {
    assert.equal(await exported('--format', 'pretty', 'exp'), `A:   it's\nA0:  007\nB:   <a&b>\nC:   say "hi" $HOME \`x\` !\n\r\\\n`);
    const json = await exported('--format', 'json', 'exp');
    assert.equal(json, '{"A":"it\'s","A0":"007","B":" \\u003ca\\u0026b\\u003e ","C":"say \\"hi\\" \\u0024HOME \\u0060x\\u0060 !\\n\\r\\\\"}\n');
    assert.deepEqual(JSON.parse(json), values);
    const list = await exported('--format', 'json-list', 'exp');
    assert.deepEqual(JSON.parse(list), Object.entries(values).map(([name, value]) => ({ name, value })));
    assert.match(list, /^\[\{"name":"A","value":"it's"\},\{"name":"A0",/);
  });

  it('12.5: an empty environment: each format\'s empty form (json-list is null, shell a space)', async () => {
    const empty = { exports: '\n', envfile: '\n', 'docker-args': '\n', 'docker-args-keys': '\n', 'pack-keys': '\n', shell: ' ', pretty: '\n', json: '{}\n', 'json-list': 'null\n' };
    for (const [format, text] of Object.entries(empty)) assert.equal(await exported('--format', format, 'empty'), text, format);
  });

  it('12.5: unknown format: Dokku\'s message, exit 1', async () => {
    const r = await raw(['config:export', '--format', 'yaml', 'exp']);
    assert.deepEqual([r.code, r.stderr.trim()], [1, '!     Unknown export format: yaml']);
  });

  it('12.5: --merged puts the app over the global env; --global as a flag or in the app\'s place', async () => {
    assert.equal((await server.ssh(['config:set', '--global', 'G=1', 'A=global'])).code, 0);
    assert.equal(await exported('--format', 'docker-args-keys', '--merged', 'exp'), '--env=A --env=A0 --env=B --env=C --env=G\n');
    assert.match(await exported('--merged', 'exp'), /^export A='it'\\''s'\n/);
    assert.equal(await exported('--global', '--format', 'shell'), `A='global' G='1' `);
    assert.equal(await exported('--format', 'shell', '--global'), `A='global' G='1' `);
    assert.equal(await exported('--format', 'shell', 'empty'), ' ');
  });

  it('12.5: config:bundle is a tar of one 0600 file per key, the real tar reads it back', async () => {
    const r = await raw(['config:bundle', 'exp']);
    assert.equal(r.code, 0, r.stderr);
    const dir = fs.mkdtempSync(path.join(server.dir, 'bundle-'));
    fs.writeFileSync(path.join(dir, 'env.tar'), r.stdout);
    const listing = await execa('tar', ['-tvf', 'env.tar'], { cwd: dir });
    assert.deepEqual(listing.stdout.split('\n').map((l) => `${l.split(/\s+/)[0]} ${l.split(/\s+/).at(-1)}`), ['-rw------- A', '-rw------- A0', '-rw------- B', '-rw------- C']);
    await execa('tar', ['-xf', 'env.tar', '-C', dir], { cwd: dir });
    for (const [key, value] of Object.entries(values)) assert.equal(fs.readFileSync(path.join(dir, key), 'utf8'), value, key);
    // Go's archive/tar layout: a header block and one data block per small value, two zero blocks.
    assert.equal(r.stdout.length, 4 * 1024 + 1024);
    assert.equal(r.stdout.subarray(100, 108).toString('latin1'), '0000600\0');
    const merged = await raw(['config:bundle', '--merged', 'exp']);
    await execa('tar', ['-xf', '-', '-C', dir], { input: merged.stdout });
    assert.equal(fs.readFileSync(path.join(dir, 'G'), 'utf8'), '1');
    const none = await raw(['config:bundle', 'empty']);
    assert.deepEqual(none.stdout, Buffer.alloc(1024));
  });
});
