// A user session over the real OpenSSH client: commands, plugins, help, tracing, errors, auth.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, makeKey } from '../helpers/server.js';

describe('ssh commands (real OpenSSH client)', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => { server = await TestServer.start(); });
  after(async () => { await server?.stop(); });

  it('creates an app and runs the hello plugin against it', async () => {
    const created = await server.ssh(['apps:create', 'myapp']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /-----> Creating myapp/);
    const hello = await server.ssh(['hello', 'myapp']);
    assert.equal(hello.code, 0, hello.stderr);
    assert.equal(hello.stdout, 'Hello myapp');
  });

  it('runs hello:world', async () => {
    const r = await server.ssh(['hello:world']);
    assert.deepEqual([r.code, r.stdout], [0, 'Hello world']);
  });

  it('hello on a missing app fails with the verify_app_name message', async () => {
    const r = await server.ssh(['hello', 'ghost']);
    assert.equal(r.code, 20, 'Dokku\'s verify_app_name exits 20');
    assert.match(r.stderr, /App ghost does not exist/);
  });

  it('prints aligned help with core and plugin commands', async () => {
    const r = await server.ssh(['help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: dokku/);
    const rows = r.stdout.split('\n').filter((l) => /^    (apps|config|hello|ssh-keys) /.test(l));
    assert.equal(rows.length, 4, r.stdout);
    assert.equal(new Set(rows.map((l) => l.length - l.replace(/^ {4}\S+ +/, '').length)).size, 1, 'descriptions start in one column');
    const all = await server.ssh(['help', '--all']);
    assert.match(all.stdout, /    hello:world +Says "Hello world"/);
    assert.match(all.stdout, /    config:set \[--encoded\]/);
  });

  it('ssh with no command prints help', async () => {
    const r = await server.ssh([]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: dokku/);
  });

  it('NAME:help and NAME --help show a plugin\'s own help', async () => {
    const a = await server.ssh(['hello:help']);
    assert.match(a.stdout, /Usage: dokku hello\[:COMMAND\]/);
    const b = await server.ssh(['hello', '--help']);
    assert.equal(b.stdout, a.stdout);
    const c = await server.ssh(['config:help']);
    assert.match(c.stdout, /Usage: dokku config\[:COMMAND\]/);
  });

  it('config:set-norestart then config:get returns the value exactly', async () => {
    const value = `it's "tricky" $HOME \`id\` back\\slash`;
    const set = await server.ssh(['config:set-norestart', 'myapp', `'TRICKY=${value.replace(/'/g, `'\\''`)}'`]);
    assert.equal(set.code, 0, set.stderr);
    const get = await server.ssh(['config:get', 'myapp', 'TRICKY']);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, value);
  });

  it('config:get of a missing key exits 1', async () => {
    const r = await server.ssh(['config:get', 'myapp', 'NOPE']);
    assert.equal(r.code, 1);
  });

  it('--trace runs bash plugins with set -x (+ lines on stderr)', async () => {
    const r = await server.ssh(['--trace', 'hello:world']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'Hello world');
    assert.match(r.stderr, /^\+ /m);
    const quiet = await server.ssh(['hello:world']);
    assert.doesNotMatch(quiet.stderr, /^\+ /m);
  });

  it('trace:on turns tracing on for later commands, trace:off off', async () => {
    assert.equal((await server.ssh(['trace:on'])).code, 0);
    assert.match((await server.ssh(['hello:world'])).stderr, /^\+ /m);
    assert.equal((await server.ssh(['trace:off'])).code, 0);
    assert.doesNotMatch((await server.ssh(['hello:world'])).stderr, /^\+ /m);
  });

  // Dokku keeps the switch in $DOKKU_ROOT/.dokkurc/DOKKU_TRACE: a file a Dokku host (or an operator) wrote counts too.
  it('trace mode lives in $DOKKU_ROOT/.dokkurc/DOKKU_TRACE, as on Dokku', async () => {
    const file = path.join(server.home, 'home', '.dokkurc', 'DOKKU_TRACE');
    assert.equal((await server.ssh(['trace:on'])).code, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), 'export DOKKU_TRACE=1\n');
    assert.equal((await server.ssh(['trace:off'])).code, 0);
    assert.equal(fs.existsSync(file), false);
    fs.writeFileSync(file, 'export DOKKU_TRACE=1\n');
    try {
      assert.match((await server.ssh(['hello:world'])).stderr, /^\+ /m, 'a hand-written file turns tracing on');
    } finally {
      fs.rmSync(file);
    }
    assert.doesNotMatch((await server.ssh(['hello:world'])).stderr, /^\+ /m);
  });

  it('an unknown command is one clear error and exit 1', async () => {
    const r = await server.ssh(['frobnicate', 'x']);
    assert.equal(r.code, 1);
    // Dokku names the whole command line.
    assert.match(r.stderr, /`frobnicate x` is not a dokku command\./);
  });

  for (const bad of ['../x', 'a b', 'A', '']) {
    it(`apps:create refuses ${JSON.stringify(bad)} and creates nothing`, async () => {
      const before = fs.readdirSync(path.join(server.home, 'home')).sort();
      const r = await server.ssh(['apps:create', `'${bad}'`]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.deepEqual(fs.readdirSync(path.join(server.home, 'home')).sort(), before);
    });
  }

  it('refuses a key that is not registered', async () => {
    const stranger = await makeKey(server.dir, 'stranger');
    const r = await server.ssh(['apps:list'], { key: stranger });
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Permission denied/);
  });

  it('refuses a wrong user name even with a registered key', async () => {
    const r = await server.ssh(['apps:list'], { user: 'root' });
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Permission denied/);
  });

  it('ssh-keys:add over stdin, then the new key logs in', async () => {
    const dev = await makeKey(server.dir, 'dev');
    const add = await server.ssh(['ssh-keys:add', 'dev'], { input: fs.readFileSync(dev.publicKey, 'utf8') });
    assert.equal(add.code, 0, add.stderr);
    const list = await server.ssh(['ssh-keys:list', '--format', 'json']);
    const names = (JSON.parse(list.stdout) as Array<{ name: string }>).map((k) => k.name);
    assert.deepEqual(names, ['admin', 'dev']);
    const r = await server.ssh(['apps:list'], { key: dev });
    assert.equal(r.code, 0, r.stderr);
  });

  it('a user-auth plugin can deny a command: Access denied, exit 1, nothing run', async () => {
    const plugin = path.join(server.home, 'lib', 'plugins', 'available', 'deny-dev');
    fs.mkdirSync(plugin, { recursive: true });
    fs.writeFileSync(path.join(plugin, 'user-auth'), '#!/usr/bin/env bash\n# SSH_USER SSH_NAME CMD ARGS…\n[[ "$2" == "dev" && "$3" == apps:create ]] && exit 1\nexit 0\n', { mode: 0o755 });
    fs.mkdirSync(path.join(server.home, 'lib', 'plugins', 'enabled'), { recursive: true });
    fs.symlinkSync(plugin, path.join(server.home, 'lib', 'plugins', 'enabled', 'deny-dev'));
    const dev = { name: 'dev', privateKey: path.join(server.dir, 'id_dev'), publicKey: path.join(server.dir, 'id_dev.pub') };
    const denied = await server.ssh(['apps:create', 'devapp'], { key: dev });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /Access denied/);
    assert.equal(fs.existsSync(path.join(server.home, 'home', 'devapp')), false);
    const allowed = await server.ssh(['apps:create', 'adminapp']);
    assert.equal(allowed.code, 0, allowed.stderr);
  });

  it('20 concurrent config:set calls with distinct keys on one app keep all 20 keys', async () => {
    const runs = Array.from({ length: 20 }, (_, i) => server.ssh(['config:set', '--no-restart', 'myapp', `KEY_${i}=value-${i}`]));
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const keys = (await server.ssh(['config:keys', 'myapp'])).stdout.split('\n');
    for (let i = 0; i < 20; i++) assert.ok(keys.includes(`KEY_${i}`), `KEY_${i} missing`);
  });

  it('version prints the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string };
    const r = await server.ssh(['version']);
    assert.equal(r.stdout, `dokku version ${pkg.version} (slipway)`);
  });
});
