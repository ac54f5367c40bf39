// Command injection through the exec line: hostile app names and argv elements reach core
// commands, a bash plugin and the git verbs. Nothing runs (the marker file never appears), no
// path changes inside or outside the data dir, and a core command's error is one line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'ssh2';
import { TestServer } from '../helpers/server.js';
import { connect, exec, loadKey } from '../helpers/ssh-client.js';
import { markerPath, q, tree } from '../helpers/fixtures.js';

describe('security: command injection through the exec line', function () {
  this.timeout(120_000);
  let server: TestServer;
  let client: Client;
  const marker = markerPath('inject');
  const touch = `touch ${marker}`;

  const payloads: Array<[string, string]> = [
    ['parent path', '../x'],
    ['deep parent path', '../../../../tmp/x'],
    ['absolute path', '/etc'],
    ['absolute temp path', os.tmpdir()],
    ['dot', '.'],
    ['dot-dot', '..'],
    ['slash inside', 'a/b'],
    ['backslash', 'a\\b'],
    ['option', '-x'],
    ['git option', `--upload-pack=${touch}`],
    ['global option', '--app=../x'],
    ['semicolon', `a;${touch}`],
    ['and-and', `a && ${touch}`],
    ['pipe', `a|${touch}`],
    ['redirect', `>${marker}`],
    ['command substitution', `$(${touch})`],
    ['backticks', `\`${touch}\``],
    ['newline', `a\n${touch}`],
    ['carriage return', `a\r${touch}`],
    ['tab', `a\t${touch}`],
    ['glob', '*'],
    ['tilde', '~root'],
    ['10 kB name', 'a'.repeat(10_000)],
    ['non-ASCII', 'приложение'],
    ['full-width letters', 'ａｐｐ'],
    ['right-to-left override', 'app\u202ex'],
    ['uppercase', 'MyApp'],
    ['leading space', ' myapp'],
    ['trailing dot', 'myapp.'],
  ];

  /** Core commands taking an app name; P is replaced by the (quoted) payload. */
  const coreCommands = [
    'apps:create P',
    'apps:destroy P --force',
    'apps:rename myapp P',
    'apps:exists P',
    'apps:report P',
    'config:set P KEY=value',
    'config:get P KEY',
    'config:show P',
    'config:export P',
    'config:unset P KEY',
    '--app P config:keys',
    'config:get myapp P',
    'config:set myapp P=value',
    'ssh-keys:remove P',
  ];

  let outside: string[];
  const outsideNow = () => [...fs.readdirSync(path.dirname(process.cwd())), ...fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('slipway-pwned'))].sort();

  before(async () => {
    server = await TestServer.start();
    assert.equal((await server.ssh(['apps:create', 'myapp'])).code, 0);
    client = await connect(server.sshPort, loadKey(server.admin.privateKey));
    outside = outsideNow();
  });
  after(async () => {
    client?.end();
    await server?.stop();
    fs.rmSync(marker, { force: true });
  });

  /** Runs one line; returns what went wrong with it (nothing: it was refused cleanly). */
  async function attempt(line: string, expectOneLine: boolean, mayRun = false, mayExitZero = false): Promise<string[]> {
    const before = tree(server.dir);
    const r = await exec(client, line);
    const problems: string[] = [];
    const shown = JSON.stringify(line).slice(0, 100);
    if (fs.existsSync(marker)) problems.push(`${shown} ran a command`);
    const after = tree(server.dir);
    const added = after.filter((p) => !before.includes(p));
    const removed = before.filter((p) => !after.includes(p));
    if (added.length || removed.length) problems.push(`${shown} changed the data dir: +${added.join(',')} -${removed.join(',')}`);
    if (mayRun) return problems;
    if (r.code === 0 && !mayExitZero) problems.push(`${shown} succeeded`);
    if (expectOneLine && !/^ ! {5}[^\n]*\n$/.test(r.stderr)) problems.push(`${shown} did not fail with one line: ${JSON.stringify(r.stderr).slice(0, 200)}`);
    if (!expectOneLine && !/^ ! {5}/.test(r.stderr)) problems.push(`${shown} gave no error line: ${JSON.stringify(r.stderr).slice(0, 200)}`);
    return problems;
  }

  async function matrix(command: string, list: Array<[string, string]>, expectOneLine: boolean, mayExitZero = false): Promise<void> {
    const problems: string[] = [];
    for (const [, payload] of list) problems.push(...(await attempt(command.replace('P', q(payload)), expectOneLine, false, mayExitZero)));
    assert.deepEqual(problems, []);
  }

  /** A payload that is a well-formed config key is not hostile in the key position. */
  const notKeys = payloads.filter(([, p]) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p));

  for (const command of coreCommands) {
    it(`${command.replace('P', '<payload>')}: every payload is refused with one line, nothing touched`, async () => {
      // Dokku's ssh-keys:remove of a name with no key exits 0; ours adds a one-line warning.
      await matrix(command, command.startsWith('config:') && command.includes('myapp') ? notKeys : payloads, true, command.startsWith('ssh-keys:remove'));
    });
  }

  it('the hello bash plugin refuses every payload as an app name and runs nothing', async () => {
    await matrix('hello P', payloads, false);
  });

  for (const verb of ['git-receive-pack', 'git-upload-pack', 'git-upload-archive']) {
    it(`${verb} refuses every payload as a repository and runs nothing`, async () => {
      // A leading slash is Dokku's own repo syntax (`dokku@host:/app`), so '/etc' means the app etc.
      await matrix(`${verb} P`, payloads.filter(([, p]) => !p.startsWith('/')), false);
    });
  }

  // `apps:list && touch M` is apps:list with three ignored words: it may succeed, it must not run touch.
  it('unquoted shell syntax in the exec line is split into words, never interpreted', async () => {
    const problems: string[] = [];
    for (const line of [
      `apps:create a;${touch}`,
      `apps:create $(${touch})`,
      `apps:create \`${touch}\``,
      `apps:list; ${touch}`,
      `apps:list && ${touch}`,
      `apps:list | ${touch}`,
      `config:get myapp KEY;${touch}`,
      `hello myapp;${touch}`,
      `'apps:create' "$(${touch})"`,
    ]) problems.push(...(await attempt(line, false, true)));
    assert.deepEqual(problems, []);
  });

  it('a NUL byte anywhere in the exec line is refused with one line', async () => {
    const problems: string[] = [];
    for (const line of ['apps:create a\0b', `config:set myapp ${q('K=a\0b')}`, '\0', `hello:world\0${touch}`]) {
      problems.push(...(await attempt(line, true)));
    }
    assert.deepEqual(problems, []);
  });

  it('an unterminated quote is refused with one line', async () => {
    assert.deepEqual(await attempt(`apps:create 'myapp2`, true), []);
  });

  it('an exec line larger than an SSH packet (70 kB) is refused and the server keeps answering', async () => {
    const other = await connect(server.sshPort, loadKey(server.admin.privateKey));
    const before = tree(server.dir);
    await exec(other, `apps:create ${'a'.repeat(70_000)}`).then((r) => assert.notEqual(r.code, 0), () => undefined);
    other.end();
    assert.deepEqual(tree(server.dir), before);
    assert.equal((await exec(client, 'version')).code, 0);
  });

  it('nothing appeared outside the data dir (parent of the checkout, temp dir)', () => {
    assert.deepEqual(outsideNow(), outside);
    assert.equal(fs.existsSync(path.resolve(process.cwd(), '..', 'x')), false);
  });

  it('the server still answers and myapp is intact', async () => {
    const r = await server.ssh(['apps:list']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '=====> My Apps\nmyapp');
  });
});
