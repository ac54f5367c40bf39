// Names Dokku still answers though its help no longer lists them (real server, OpenSSH):
// nginx:show-conf / nginx:validate (the -config commands), git:unlock (removed in Dokku 0.34.0: a
// warning and success here), and the domains-vhost-enabled trigger's exit status as plugins test it.
import assert from 'node:assert/strict';
import { TestServer } from '../helpers/server.js';
import { commandPlugin, installPlugin } from '../helpers/fixtures.js';

describe('deprecated aliases and the domains-vhost-enabled trigger (real server, OpenSSH)', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    installPlugin(server.home, 'vhostprobe', {
      commands: commandPlugin('vhost-probe', '    plugn trigger domains-vhost-enabled "$2" && echo enabled || echo "disabled $?"'),
    });
    assert.equal((await server.ssh(['apps:create', 'web'])).code, 0);
  });
  after(async () => { await server?.stop(); });

  it('git:unlock APP warns that Dokku removed it and succeeds; no app or an unknown one is refused as usual', async () => {
    for (const args of [['git:unlock', 'web'], ['git:unlock', 'web', '--force']]) {
      const r = await server.ssh(args);
      assert.deepEqual([r.code, r.stdout], [0, ''], args.join(' '));
      assert.match(r.stderr, /^ ! {5}git:unlock was removed in Dokku 0\.34\.0/);
    }
    assert.deepEqual([(await server.ssh(['git:unlock'])).code, (await server.ssh(['git:unlock'])).stderr], [1, ' !     Please specify an app to run the command on']);
    assert.equal((await server.ssh(['git:unlock', 'ghost'])).code, 20);
    assert.doesNotMatch((await server.ssh(['git:help'])).stdout, /git:unlock/);
  });

  it('nginx:show-conf and nginx:validate are nginx:show-config and nginx:validate-config (not in help)', async () => {
    const old = await server.ssh(['nginx:show-conf', 'web']);
    const current = await server.ssh(['nginx:show-config', 'web']);
    assert.deepEqual([old.code, old.stdout, old.stderr], [current.code, current.stdout, current.stderr]);
    assert.equal((await server.ssh(['nginx:show-conf', 'ghost'])).code, 20);
    const validate = await server.ssh(['nginx:validate', 'ghost']);
    assert.equal(validate.code, (await server.ssh(['nginx:validate-config', 'ghost'])).code);
    const help = (await server.ssh(['nginx:help'])).stdout;
    assert.doesNotMatch(help, /nginx:show-conf |nginx:validate /);
  });

  it('plugn trigger domains-vhost-enabled exits 0 with vhosts, 1 after domains:disable', async () => {
    assert.equal((await server.ssh(['vhost-probe', 'web'])).stdout, 'enabled');
    assert.equal((await server.ssh(['domains:disable', 'web'])).code, 0);
    assert.equal((await server.ssh(['vhost-probe', 'web'])).stdout, 'disabled 1');
    assert.equal((await server.ssh(['domains:enable', 'web'])).code, 0);
    assert.equal((await server.ssh(['vhost-probe', 'web'])).stdout, 'enabled');
  });
});
