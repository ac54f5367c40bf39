// apps:* and config:* end to end over SSH, plus the local CLI forwarded through the control socket.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';

describe('apps lifecycle and the local CLI', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => { server = await TestServer.start(); });
  after(async () => { await server?.stop(); });

  // Dokku's git plugin answers post-create: the bare repo exists before the first push.
  it('apps:create makes the app\'s bare repo at once (git:report, hooks and git:sync work before a push)', async () => {
    assert.equal((await server.ssh(['apps:create', 'fresh'])).code, 0);
    const dir = path.join(server.home, 'home', 'fresh');
    for (const name of ['HEAD', 'objects', 'refs', 'hooks/pre-receive']) assert.ok(fs.existsSync(path.join(dir, name)), name);
    const report = await server.ssh(['git:report', 'fresh', '--git-computed-deploy-branch']);
    assert.deepEqual([report.code, report.stdout], [0, 'master']);
  });

  it('the local CLI runs inside the running server (control socket) and sees the same data', async () => {
    assert.ok(fs.existsSync(path.join(server.home, 'lib', 'run', 'control.sock')));
    const created = await server.dokku(['apps:create', 'local-app']);
    assert.equal(created.code, 0, created.stderr);
    const listed = await server.ssh(['apps:list']);
    assert.match(listed.stdout, /^local-app$/m);
    const failed = await server.dokku(['config:get', 'ghost', 'X']);
    assert.equal(failed.code, 20);
    assert.match(failed.stderr, /App ghost does not exist/);
  });

  it('a plugin calling `dokku config:set-norestart` writes through the server', async () => {
    const plugin = path.join(server.home, 'lib', 'plugins', 'available', 'setter');
    fs.mkdirSync(plugin, { recursive: true });
    fs.writeFileSync(path.join(plugin, 'commands'), [
      '#!/usr/bin/env bash',
      'set -eo pipefail; [[ $DOKKU_TRACE ]] && set -x',
      'case "$1" in',
      '  setter:set) dokku config:set-norestart "$2" "FROM_PLUGIN=$3 by $SSH_NAME" ;;',
      '  *) exit "$DOKKU_NOT_IMPLEMENTED_EXIT" ;;',
      'esac',
    ].join('\n') + '\n', { mode: 0o755 });
    fs.mkdirSync(path.join(server.home, 'lib', 'plugins', 'enabled'), { recursive: true });
    fs.symlinkSync(plugin, path.join(server.home, 'lib', 'plugins', 'enabled', 'setter'));
    const r = await server.ssh(['setter:set', 'local-app', 'hi']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await server.ssh(['config:get', 'local-app', 'FROM_PLUGIN'])).stdout, 'hi by admin');
  });

  it('apps:rename moves config; apps:exists answers by exit code', async () => {
    assert.equal((await server.ssh(['apps:rename', 'local-app', 'renamed-app'])).code, 0);
    assert.equal((await server.ssh(['apps:exists', 'local-app'])).code, 20);
    assert.equal((await server.ssh(['apps:exists', 'renamed-app'])).code, 0);
    assert.equal((await server.ssh(['config:get', 'renamed-app', 'FROM_PLUGIN'])).stdout, 'hi by admin');
  });

  it('apps:destroy asks for the name; a wrong answer changes nothing', async () => {
    const r = await server.ssh(['apps:destroy', 'renamed-app'], { input: 'nope\n' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /To proceed, type "renamed-app"/);
    assert.equal((await server.ssh(['apps:exists', 'renamed-app'])).code, 0);
    const ok = await server.ssh(['apps:destroy', 'renamed-app'], { input: 'renamed-app\n' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await server.ssh(['apps:exists', 'renamed-app'])).code, 20);
  });

  it('apps:destroy --force skips the question', async () => {
    await server.ssh(['apps:create', 'doomed']);
    const r = await server.ssh(['--force', 'apps:destroy', 'doomed']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(path.join(server.home, 'home', 'doomed')), false);
  });

  it('config:export formats quote values so a shell never evaluates them', async () => {
    await server.ssh(['apps:create', 'fmt']);
    const marker = path.join(server.dir, 'pwned');
    await server.ssh(['config:set', '--no-restart', 'fmt', `'X=$(touch ${marker}) it'\\''s'`]);
    const json = await server.ssh(['config:export', '--format', 'json', 'fmt']);
    assert.deepEqual(JSON.parse(json.stdout), { X: `$(touch ${marker}) it's` });
    const list = await server.ssh(['config:export', '--format', 'json-list', 'fmt']);
    assert.deepEqual(JSON.parse(list.stdout), [{ name: 'X', value: `$(touch ${marker}) it's` }]);
    const exports = await server.ssh(['config:export', 'fmt']);
    assert.equal(exports.stdout, `export X='$(touch ${marker}) it'\\''s'`);
    const bad = await server.ssh(['config:export', '--format', 'yaml', 'fmt']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Unknown export format: yaml/);
    assert.equal(fs.existsSync(marker), false);
  });

  it('config:set --encoded decodes base64 values; config:unset removes keys', async () => {
    const value = Buffer.from('multi\nline "value"').toString('base64');
    assert.equal((await server.ssh(['config:set', '--encoded', '--no-restart', 'fmt', `ENC=${value}`])).code, 0);
    assert.equal((await server.ssh(['config:get', 'fmt', 'ENC'])).stdout, 'multi\nline "value"');
    assert.equal((await server.ssh(['config:unset', '--no-restart', 'fmt', 'ENC'])).code, 0);
    assert.equal((await server.ssh(['config:get', 'fmt', 'ENC'])).code, 1);
  });

  it('--global config is separate from app config', async () => {
    assert.equal((await server.ssh(['config:set', '--global', 'G=1'])).code, 0);
    assert.equal((await server.ssh(['config:get', '--global', 'G'])).stdout, '1');
    assert.equal((await server.ssh(['config:get', 'fmt', 'G'])).code, 1);
  });

  it('a bad config key is refused and nothing is written', async () => {
    const before = fs.readFileSync(path.join(server.home, 'home', 'fmt', 'ENV'), 'utf8');
    const r = await server.ssh(['config:set', 'fmt', 'GOOD=1', '1BAD=2']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Invalid key name: '1BAD'/);
    assert.equal(fs.readFileSync(path.join(server.home, 'home', 'fmt', 'ENV'), 'utf8'), before);
  });
});
