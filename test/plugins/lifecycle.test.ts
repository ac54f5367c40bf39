// A plugin's life over real ssh: two community-style plugins published as local git repos are
// installed, used (commands, subcommands, triggers, properties, config), updated, disabled,
// enabled and uninstalled; plus a tarball install and the core plugins' protections.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { HELLO_COMMANDS, commitFixture, git, makePluginRepo, makeTarball } from './helpers.js';

function listRow(list: string, name: string): string | undefined {
  return list.split('\n').find((l) => l.trim().split(/\s+/)[0] === name);
}

describe('plugin lifecycle (real OpenSSH client)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let notesRepo: string;
  let stampRepo: string;
  let lib: string;

  before(async () => {
    server = await TestServer.start();
    lib = path.join(server.home, 'lib');
    notesRepo = await makePluginRepo(path.join(server.dir, 'repos', 'dokku-notes'), 'dokku-notes');
    stampRepo = await makePluginRepo(path.join(server.dir, 'repos', 'dokku-stamp'), 'dokku-stamp');
    await git(['tag', 'v1'], stampRepo);
  });
  after(async () => { await server?.stop(); });

  it('installs a plugin from a file:// git URL and runs its install trigger', async () => {
    const r = await server.ssh(['plugin:install', `file://${notesRepo}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /-----> Cloning plugin file:\/\/.*dokku-notes as notes/);
    assert.match(r.stdout, /-----> Plugin notes enabled \([0-9a-f]{7}\)/);
    assert.equal(fs.readFileSync(path.join(lib, 'config', 'notes', '--global', 'installed'), 'utf8'), 'yes');
    assert.ok(fs.lstatSync(path.join(lib, 'plugins', 'enabled', 'notes')).isSymbolicLink());
  });

  it('installs a plugin from a local repo path', async () => {
    const r = await server.ssh(['plugin:install', stampRepo]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Plugin stamp enabled/);
  });

  it('refuses to install the same plugin twice', async () => {
    const r = await server.ssh(['plugin:install', stampRepo]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Plugin stamp is already installed; use plugin:update stamp/);
  });

  it('plugin:list shows name, version, state and description', async () => {
    const r = await server.ssh(['plugin:list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^plugn: /);
    assert.match(listRow(r.stdout, 'notes') ?? '', /^ {2}notes +0\.1\.0 +enabled +Keep short notes on apps$/);
    assert.match(listRow(r.stdout, 'stamp') ?? '', /^ {2}stamp +1\.0\.0 +enabled +Stamp apps with a label/);
    assert.match(listRow(r.stdout, 'hello') ?? '', /enabled +Sample plugin/);
    assert.match(listRow(r.stdout, 'config') ?? '', /enabled/);
  });

  it('plugin:installed answers with its exit status', async () => {
    assert.equal((await server.ssh(['plugin:installed', 'notes'])).code, 0);
    assert.equal((await server.ssh(['plugin:installed', 'hello'])).code, 0);
    assert.equal((await server.ssh(['plugin:installed', 'nothing-here'])).code, 1);
  });

  it('help lists the new commands', async () => {
    const r = await server.ssh(['help']);
    assert.match(r.stdout, /^ {4}notes +Keep short notes on apps$/m);
    const all = await server.ssh(['help', '--all']);
    assert.match(all.stdout, /notes:add <app> <text> +Add a note to an app/);
    assert.match(all.stdout, /stamp:show <app> +Show an app's stamp/);
    const own = await server.ssh(['notes:help']);
    assert.match(own.stdout, /Usage: dokku notes\[:COMMAND\]/);
  });

  it('an installed plugin\'s post-create trigger runs on apps:create', async () => {
    assert.equal((await server.ssh(['apps:create', 'demo'])).code, 0);
    const r = await server.ssh(['notes:list', 'demo']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '=====> demo notes (0)\ncreated');
  });

  it('subcommands write properties and config through dokku and plugn', async () => {
    const add = await server.ssh(['notes:add', 'demo', 'hello world']);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /-----> Note added to demo \(2 in all\)/);
    const count = await server.ssh(['config:get', 'demo', 'NOTES_COUNT']);
    assert.equal(count.stdout, '2');
    const list = await server.ssh(['notes:list', 'demo']);
    assert.equal(list.stdout, '=====> demo notes (2)\ncreated\nhello world');
    const missing = await server.ssh(['notes:add', 'ghost', 'x']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /App ghost does not exist/);
  });

  it('one plugin fires a custom trigger another plugin answers; post-config-update sees keys', async () => {
    const r = await server.ssh(['stamp:set', 'demo', 'first-label']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Stamped demo with first-label/);
    assert.equal((await server.ssh(['config:get', 'demo', 'STAMP'])).stdout, 'first-label');
    assert.match((await server.ssh(['notes:list', 'demo'])).stdout, /^stamp: first-label$/m);
    assert.equal((await server.ssh(['stamp:show', 'demo'])).stdout, 'Stamp: first-label');
    assert.equal(fs.readFileSync(path.join(lib, 'config', 'stamp', 'demo', 'last-config'), 'utf8'), 'set STAMP');
    const image = await server.ssh(['stamp:image', 'demo']);
    assert.equal(image.stdout, 'dokku/demo:latest running latest');
  });

  it('--trace reaches installed plugins', async () => {
    const r = await server.ssh(['--trace', 'stamp:show', 'demo']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^\+ /m);
  });

  it('plugin:trigger and report fire installed plugins\' triggers', async () => {
    const report = await server.ssh(['report', 'demo']);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /=====> demo notes information\n {7}Notes count: 3/);
    const trigger = await server.ssh(['plugin:trigger', 'report', 'demo']);
    assert.ok(report.stdout.endsWith(trigger.stdout), 'report APP ends with the plugins\' report trigger');
  });

  it('a command no plugin answers falls through the catch-all (exit 10) to "not a dokku command"', async () => {
    const r = await server.ssh(['stamp:nope', 'demo']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /`stamp:nope demo` is not a dokku command\./);
  });

  it('plugin:update fetches a new commit and runs the update trigger', async () => {
    await commitFixture(stampRepo, 'dokku-stamp-v2', 'version 2');
    const r = await server.ssh(['plugin:update', 'stamp']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Plugin stamp updated \([0-9a-f]{7}\)/);
    assert.equal((await server.ssh(['stamp:show', 'demo'])).stdout, 'Stamp (v2): first-label');
    assert.match(listRow((await server.ssh(['plugin:list'])).stdout, 'stamp') ?? '', /stamp +2\.0\.0 +enabled/);
    assert.equal(fs.readFileSync(path.join(lib, 'config', 'stamp', '--global', 'updated-to'), 'utf8'), '2.0.0');
  });

  it('plugin:update NAME REF pins a tag', async () => {
    const r = await server.ssh(['plugin:update', 'stamp', 'v1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await server.ssh(['stamp:show', 'demo'])).stdout, 'Stamp: first-label');
    assert.match(listRow((await server.ssh(['plugin:list'])).stdout, 'stamp') ?? '', /stamp +1\.0\.0 +enabled/);
  });

  it('plugin:disable removes commands and triggers; plugin:enable brings them back', async () => {
    const off = await server.ssh(['plugin:disable', 'notes']);
    assert.equal(off.code, 0, off.stderr);
    const gone = await server.ssh(['notes:list', 'demo']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /`notes:list demo` is not a dokku command\./);
    assert.match(listRow((await server.ssh(['plugin:list'])).stdout, 'notes') ?? '', /notes +0\.1\.0 +disabled/);
    assert.equal((await server.ssh(['plugin:installed', 'notes'])).code, 0, 'a disabled plugin is still installed');
    assert.equal((await server.ssh(['apps:create', 'quiet-app'])).code, 0);
    const on = await server.ssh(['plugin:enable', 'notes']);
    assert.equal(on.code, 0, on.stderr);
    const back = await server.ssh(['notes:list', 'quiet-app']);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(back.stdout, '=====> quiet-app notes (0)', 'no post-create ran while disabled');
  });

  it('a core script plugin can be disabled and enabled, not uninstalled', async () => {
    assert.equal((await server.ssh(['plugin:disable', 'hello'])).code, 0);
    assert.match((await server.ssh(['hello:world'])).stderr, /is not a dokku command/);
    assert.equal((await server.ssh(['plugin:enable', 'hello'])).code, 0);
    assert.equal((await server.ssh(['hello:world'])).stdout, 'Hello world');
    for (const core of ['hello', 'apps', 'common']) {
      const r = await server.ssh(['plugin:uninstall', core]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, ` !     Cannot uninstall core plugin ${core}`);
    }
    const apps = await server.ssh(['plugin:disable', 'apps']);
    assert.equal(apps.code, 1);
    assert.match(apps.stderr, /Core plugin apps cannot be disabled/);
  });

  it('plugin:uninstall runs the uninstall trigger and removes every trace', async () => {
    const r = await server.ssh(['plugin:uninstall', 'notes']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(path.join(lib, 'config', 'notes', '--global')), false, 'uninstall trigger cleaned up');
    assert.equal(fs.existsSync(path.join(lib, 'plugins', 'available', 'notes')), false);
    assert.equal(fs.existsSync(path.join(lib, 'plugins', 'enabled', 'notes')), false);
    assert.equal(listRow((await server.ssh(['plugin:list'])).stdout, 'notes'), undefined);
    assert.match((await server.ssh(['notes:list', 'demo'])).stderr, /`notes:list demo` is not a dokku command\./);
    assert.equal((await server.ssh(['plugin:installed', 'notes'])).code, 1);
    const again = await server.ssh(['plugin:uninstall', 'notes']);
    assert.equal(again.stderr, ' !     Plugin notes is not installed');
  });

  it('installs a plugin from a gzip tarball with one top folder', async () => {
    const tarball = await makeTarball(path.join(server.dir, 'greet.tar.gz'), [
      { name: 'greet-1.0/', type: 'directory' },
      { name: 'greet-1.0/plugin.toml', text: '[plugin]\ndescription = "Greets"\nversion = "1.0"\n' },
      { name: 'greet-1.0/commands', text: HELLO_COMMANDS, mode: 0o755 },
    ]);
    const r = await server.ssh(['plugin:install', tarball]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Unpacking plugin .*greet\.tar\.gz as greet/);
    assert.equal((await server.ssh(['greet'])).stdout, 'Greetings from a tarball');
    assert.match(listRow((await server.ssh(['plugin:list'])).stdout, 'greet') ?? '', /greet +1\.0 +enabled +Greets/);
  });

  it('leaves no staging folders behind', () => {
    const names = fs.readdirSync(path.join(lib, 'plugins', 'available'));
    assert.deepEqual(names.filter((n) => n.startsWith('.')), []);
  });
});
