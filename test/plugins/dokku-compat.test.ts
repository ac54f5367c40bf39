// Issue 12.1/12.2 over real ssh: Dokku's Plugin Creation sample, copied as written, installs and
// runs; every core plugin's functions file is found at Dokku's paths from a plugin in enabled/ and
// in available/ and each public function answers valid and invalid input; dokkurc reaches plugins.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { HELLO_COMMANDS, makePluginRepo } from './helpers.js';

const CORE = ['common', 'config', 'ps', 'apps', 'domains', 'certs', 'proxy', 'nginx-vhosts', 'docker-options', 'git', 'checks', 'plugin', 'ssh-keys', 'storage', 'scheduler-docker-local', 'builder'];

describe('Dokku plugin compatibility (real OpenSSH client)', function () {
  this.timeout(600_000);
  let server: TestServer;
  let plugins: string;

  before(async () => {
    server = await TestServer.start();
    plugins = path.join(server.home, 'lib', 'plugins');
    // The shipped `hello` answers the same commands: turn it off so the sample is what answers.
    assert.equal((await server.ssh(['plugin:disable', 'hello'])).code, 0);
    assert.equal((await server.ssh(['apps:create', 'demo'])).code, 0);
  });
  after(async () => { await server?.stop(); });

  it('12.1: every core plugin is at $PLUGIN_AVAILABLE_PATH/NAME and $PLUGIN_ENABLED_PATH/NAME', () => {
    for (const name of CORE) {
      for (const dir of ['available', 'enabled']) {
        const functions = path.join(plugins, dir, name, 'functions');
        assert.ok(fs.existsSync(functions), `${dir}/${name}/functions`);
      }
    }
    assert.ok(fs.existsSync(path.join(plugins, 'available', 'common', 'property-functions')));
  });

  // dokku-clone's install trigger runs `ssh-keygen -f "$DOKKU_ROOT/.ssh/id_rsa"`: Dokku's installer made that folder.
  it('$DOKKU_ROOT/.ssh exists (0700) for an install trigger that keeps a deploy key there', async () => {
    const repo = await makePluginRepo(path.join(server.dir, 'repos', 'dokku-keeper'), undefined, {
      commands: { text: HELLO_COMMANDS, mode: 0o755 },
      install: { text: '#!/usr/bin/env bash\nset -eo pipefail\n[[ -f "$DOKKU_ROOT/.ssh/id_rsa" ]] || ssh-keygen -t ed25519 -N "" -q -f "$DOKKU_ROOT/.ssh/id_rsa"\n', mode: 0o755 },
    });
    const r = await server.ssh(['plugin:install', `file://${repo}`, '--name', 'keeper']);
    assert.equal(r.code, 0, r.stderr);
    const ssh = path.join(server.home, 'home', '.ssh');
    assert.equal(fs.statSync(ssh).mode & 0o777, 0o700);
    assert.ok(fs.existsSync(path.join(ssh, 'id_rsa.pub')));
  });

  describe('12.1: the Plugin Creation sample, copied as written', () => {
    before(async () => {
      const repo = await makePluginRepo(path.join(server.dir, 'repos', 'dokku-greet'), 'dokku-greet');
      const r = await server.ssh(['plugin:install', `file://${repo}`]);
      assert.equal(r.code, 0, r.stderr);
    });

    it('hello APP greets an existing app', async () => {
      const r = await server.ssh(['hello', 'demo']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Hello demo');
    });

    it('hello:world', async () => {
      const r = await server.ssh(['hello:world']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Hello world');
    });

    it('help shows its commands in columns', async () => {
      const r = await server.ssh(['help', '--all']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ {4}hello <app> +Says "Hello <app>"$/m);
      assert.match(r.stdout, /^ {4}hello:world +Says "Hello world"$/m);
      const short = await server.ssh(['help']);
      assert.match(short.stdout, /hello <app> +Says "Hello <app>"/);
    });

    it('--trace traces the plugin', async () => {
      const r = await server.ssh(['--trace', 'hello', 'demo']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'Hello demo');
      assert.match(r.stderr, /^\+ .*verify_app_name demo/m);
    });

    it('a missing app gets Dokku\'s message and exit code', async () => {
      const missing = await server.ssh(['hello', 'nope']);
      assert.equal(missing.code, 20);
      assert.equal(missing.stderr, ' !     App nope does not exist');
      const none = await server.ssh(['hello']);
      assert.equal(none.code, 1);
      assert.equal(none.stdout, 'Please specify an app to run the command on');
    });

    it('the catch-all hands other commands back (exit 10): "not a dokku command"', async () => {
      const r = await server.ssh(['hello:nope']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /`hello:nope` is not a dokku command\./);
    });
  });

  describe('12.1/12.2: core functions and environment from installed plugins', () => {
    before(async () => {
      const repo = await makePluginRepo(path.join(server.dir, 'repos', 'dokku-corecheck'), 'dokku-corecheck');
      const r = await server.ssh(['plugin:install', `file://${repo}`]);
      assert.equal(r.code, 0, r.stderr);
    });

    it('12.1: every core functions file, sourced from enabled/ and available/, answers valid and invalid input', async () => {
      const r = await server.ssh(['corecheck:probe', 'demo'], { timeout: 540_000 });
      assert.equal(r.code, 0, r.stderr);
      const [enabled, available] = r.stdout.split('== available');
      for (const [where, text] of [['enabled', enabled], ['available', available]] as const) {
        assert.match(text ?? '', /^done$/m, `${where}: the probe ran to the end\n${text}`);
        const bad = (text ?? '').split('\n').filter((l) => /^(FAIL|missing) /.test(l));
        assert.deepEqual(bad, [], `${where}:\n${bad.join('\n')}`);
        const checked = (text ?? '').split('\n').filter((l) => l.startsWith('ok ')).length;
        assert.ok(checked > 250, `${where}: ${checked} calls checked`);
      }
    });

    it('12.2: Dokku\'s variables reach plugins', async () => {
      const r = await server.ssh(['corecheck:env']);
      assert.equal(r.code, 0, r.stderr);
      const env = Object.fromEntries(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      assert.match(env.DOCKER_BIN, /docker$/);
      assert.equal(env.DOKKU_HOST_ROOT, env.DOKKU_ROOT);
      assert.equal(env.DOKKU_IMAGE, 'gliderlabs/herokuish:latest-24');
      assert.ok(env.DOKKU_SYSTEM_USER && env.DOKKU_SYSTEM_GROUP);
      assert.match(env.DOKKU_GLOBAL_RUN_ARGS, /--label=org\.label-schema\.vendor=dokku/);
      assert.match(env.DOKKU_GLOBAL_BUILD_ARGS, /--label=dokku/);
    });

    it('12.2: $DOKKU_ROOT/dokkurc and .dokkurc/* reach a plugin command and a trigger', async () => {
      const root = path.join(server.home, 'home');
      fs.writeFileSync(path.join(root, 'dokkurc'), 'export CORECHECK_SETTING=from-dokkurc\nexport DOKKU_IMAGE=example/custom:1\n');
      fs.mkdirSync(path.join(root, '.dokkurc'), { recursive: true });
      fs.writeFileSync(path.join(root, '.dokkurc', 'corecheck'), 'export CORECHECK_DIR_SETTING=from-dir\n');
      const r = await server.ssh(['corecheck:env']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^CORECHECK_SETTING=from-dokkurc$/m);
      assert.match(r.stdout, /^CORECHECK_DIR_SETTING=from-dir$/m);
      assert.match(r.stdout, /^DOKKU_IMAGE=example\/custom:1$/m);
      const created = await server.ssh(['apps:create', 'rc-app']);
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /^post-create rc-app CORECHECK_SETTING=from-dokkurc$/m);
      fs.chmodSync(path.join(root, '.dokkurc', 'corecheck'), 0o000);
      if (process.getuid?.() !== 0) {
        const unreadable = await server.ssh(['corecheck:env']);
        assert.equal(unreadable.code, 1);
        assert.match(unreadable.stderr, /Unable to read .*\.dokkurc\/corecheck for sourcing/);
      }
      fs.rmSync(path.join(root, '.dokkurc'), { recursive: true, force: true });
      fs.rmSync(path.join(root, 'dokkurc'));
    });
  });
});
