// network:* as Dokku answers it, without Docker (real server on the process scheduler, OpenSSH):
// argument errors, network:set with its attach rules and --global, network:report's rows, flags and
// JSON, the triggers plugins call, network:* on Docker networks failing with one line when no engine
// answers, and a static-web-listener taking an app's web traffic (a loopback server of the test's).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { get } from '../deploy/helpers.js';

/** Slipway's exit status for a missing app (E_APP_NOT_FOUND). */
const NOT_FOUND = 20;
const NO_ENGINE = 'unix:///nonexistent/slipway-network-test.sock';

describe('network:* (real server, OpenSSH, no Docker Engine)', function () {
  this.timeout(180_000);
  let server: TestServer;
  const ssh = (args: string[], input?: string) => server.ssh(args, input === undefined ? {} : { input });
  const ok = async (args: string[]) => {
    const r = await ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const fails = async (args: string[], stderr: string | RegExp, code = 1) => {
    const r = await ssh(args);
    assert.equal(r.code, code, `${args.join(' ')} exits ${code}: ${r.stdout} ${r.stderr}`);
    if (typeof stderr === 'string') assert.equal(r.stderr, stderr);
    else assert.match(r.stderr, stderr);
    return r;
  };

  before(async () => {
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'process', DOCKER_HOST: NO_ENGINE } });
    await ok(['apps:create', 'netapp']);
  });
  after(async () => { await server?.stop(); });

  it('Docker network commands check their arguments, then fail with one line when no engine answers', async () => {
    await fails(['network:create'], ' !     No network name specified');
    await fails(['network:exists'], ' !     No network name specified');
    await fails(['network:create', 'bad/name'], ' !     Invalid network name bad/name');
    await fails(['network:info', 'somenet', '--format', 'yaml'], ' !     Invalid format specified, use either text or json');
    for (const args of [['network:create', 'somenet'], ['network:exists', 'somenet'], ['network:info', 'somenet'], ['network:list'], ['network:destroy', '--force', 'somenet']]) {
      const r = await fails(args, ` !     Docker networks need a Docker Engine, and none answers at ${NO_ENGINE}`);
      assert.equal(r.stdout, '', `${args[0]} printed nothing before failing`);
    }
  });

  it('network:set checks the app, property and attach networks as Dokku does, and stores Dokku\'s properties', async () => {
    await fails(['network:set', 'missing', 'tld', 'x'], ' !     App missing does not exist', NOT_FOUND);
    await fails(['network:set', 'netapp'], ' !     No property specified');
    await fails(['network:set', 'netapp', 'colour', 'red'],
      ' !     Invalid property specified, valid properties include: attach-post-create, attach-post-deploy, bind-all-interfaces, initial-network, static-web-listener, tld');
    await fails(['network:set', '--global', 'static-web-listener', '127.0.0.1:5000'], ' !     Property cannot be specified globally');
    await fails(['network:set', 'netapp', 'attach-post-create', 'front', 'bridge'], ' !     Invalid network name specified for attach: bridge');
    await fails(['network:set', 'netapp', 'attach-post-deploy', 'host'], ' !     Invalid network name specified for attach: host');
    await fails(['network:set', 'netapp', 'bind-all-interfaces', 'yes'], ' !     Invalid bind-all-interfaces yes: true or false');
    await fails(['network:set', 'netapp', 'static-web-listener', 'nowhere'], ' !     Invalid static-web-listener nowhere: HOST:PORT');

    const set = await ok(['network:set', 'netapp', 'attach-post-create', 'front', 'back']);
    assert.equal(set.stdout, '=====> Setting attach-post-create to front,back');
    assert.match(set.stderr, /^ ! {5}netapp runs on the process scheduler, which keeps attach-post-create but does not use it \(docker-local does\)$/);
    await fails(['network:set', 'netapp', 'attach-post-deploy', 'back'], ' !     Network name already associated with this app: back');
    await ok(['network:set', 'netapp', 'attach-post-deploy', 'late']);
    await ok(['network:set', 'netapp', 'initial-network', 'first']);
    await ok(['network:set', 'netapp', 'bind-all-interfaces', 'true']);
    assert.equal((await ok(['network:set', 'netapp', 'bind-all-interfaces'])).stdout, '=====> Unsetting bind-all-interfaces');
    const stored = await ok(['network:report', 'netapp', '--network-attach-post-create']);
    assert.equal(stored.stdout, 'front,back');
  });

  it('--global values fill in where an app has none; the report shows own, global and computed rows', async () => {
    assert.equal((await ok(['network:set', '--global', 'tld', 'svc.cluster.local'])).stdout, '=====> Setting tld to svc.cluster.local');
    await ok(['network:set', '--global', 'bind-all-interfaces', 'true']);
    await ok(['apps:create', 'plain']);

    const report = (await ok(['network:report', 'netapp'])).stdout.split('\n');
    assert.equal(report[0], '=====> netapp network information');
    const rows = Object.fromEntries(report.slice(1).map((l) => {
      const m = /^ {7}([^:]+):\s*(.*)$/.exec(l);
      assert.ok(m, `report row: ${JSON.stringify(l)}`);
      return [m[1], m[2]];
    }));
    assert.deepEqual(rows, {
      'Network attach post create': 'front,back',
      'Network attach post deploy': 'late',
      'Network bind all interfaces': '',
      'Network computed attach post create': 'front,back',
      'Network computed attach post deploy': 'late',
      'Network computed bind all interfaces': 'true',
      'Network computed initial network': 'first',
      'Network computed tld': 'svc.cluster.local',
      'Network global attach post create': '',
      'Network global attach post deploy': '',
      'Network global bind all interfaces': 'true',
      'Network global initial network': '',
      'Network global tld': 'svc.cluster.local',
      'Network initial network': 'first',
      'Network static web listener': '',
      'Network tld': '',
      'Network web listeners': '',
    });
    assert.match(report[1], /^ {7}Network attach post create: {11}front,back$/, 'names padded to the longest flag (--network-computed-bind-all-interfaces)');

    assert.equal((await ok(['network:report', 'plain', '--network-computed-tld'])).stdout, 'svc.cluster.local');
    await ok(['network:set', '--global', 'bind-all-interfaces']);
    assert.equal((await ok(['network:report', 'plain', '--network-computed-bind-all-interfaces'])).stdout, 'false', 'Dokku\'s default');
    await fails(['network:report', 'plain', '--network-colour'], /^ ! {5}Invalid flag passed, valid flags: --network-attach-post-create, /);

    const json = JSON.parse((await ok(['network:report', 'netapp', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json['attach-post-create'], 'front,back');
    assert.equal(json['network-attach-post-create'], 'front,back', 'Dokku also emits the legacy-prefixed key');
    assert.equal(json['computed-tld'], 'svc.cluster.local');

    const global = (await ok(['network:report', '--global'])).stdout;
    assert.match(global, /^=====> --global network information$/m);
    assert.match(global, /^ {7}Network global tld: +svc\.cluster\.local$/m);
    assert.doesNotMatch(global, /Network initial network:/, 'no app rows in the --global report');
    await ok(['network:set', '--global', 'tld']);
  });

  it('answers the network triggers plugins call', async () => {
    assert.equal((await ok(['plugin:trigger', 'network-get-property', 'netapp', 'initial-network'])).stdout, 'first');
    assert.equal((await ok(['plugin:trigger', 'network-get-property', 'plain', 'bind-all-interfaces'])).stdout, 'false');
    const bad = await ssh(['plugin:trigger', 'network-get-property', 'netapp', 'colour']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Invalid network property specified: colour/);
    assert.equal((await ok(['plugin:trigger', 'network-config-exists', 'plain'])).stdout, 'false');
    assert.equal((await ok(['plugin:trigger', 'network-get-static-listeners', 'plain', 'web'])).stdout, '');
  });

  it('network:rebuild and network:rebuildall have nothing to sync for apps the process scheduler runs', async () => {
    await fails(['network:rebuild'], ' !     Please specify an app to run the command on');
    await fails(['network:rebuild', 'missing'], ' !     App missing does not exist', NOT_FOUND);
    assert.equal((await ok(['network:rebuild', 'netapp'])).stdout, '');
    assert.equal((await ok(['network:rebuildall'])).stdout, '');
  });

  it('a static-web-listener takes the app\'s web traffic at its next deploy, on any scheduler', async () => {
    const outside = http.createServer((_req, res) => res.end('from the static listener\n'));
    await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
    try {
      const port = (outside.address() as AddressInfo).port;
      const app = 'listened';
      await ok(['apps:create', app]);
      const work = await appWork(server);
      const pushed = await work.push(app);
      assert.equal(pushed.exitCode, 0, String(pushed.stderr));
      const own = await get(server.httpPort, `${app}.localhost`, '/');
      assert.equal(own.status, 200);
      assert.notEqual(own.body, 'from the static listener\n');
      // Other process types have listeners of their own (port 5000 without one of their own, as Dokku's default).
      await ok(['ps:scale', app, 'worker=1']);
      assert.match((await ok(['plugin:trigger', 'network-get-listeners', app, 'worker'])).stdout, /^127\.0\.0\.1:5000$/);
      assert.equal((await ok(['plugin:trigger', 'network-get-listeners', app, 'nothing'])).stdout, '');
      assert.match((await ok(['plugin:trigger', 'network-get-listeners', app, 'web'])).stdout, /^127\.0\.0\.1:\d+$/);

      await ok(['network:set', app, 'static-web-listener', `127.0.0.1:${port}`]);
      assert.equal((await ok(['network:report', app, '--network-web-listeners'])).stdout, `127.0.0.1:${port}`);
      assert.equal((await ok(['plugin:trigger', 'network-get-listeners', app, 'web'])).stdout, `127.0.0.1:${port}`);
      assert.equal((await ok(['plugin:trigger', 'network-config-exists', app])).stdout, 'true');
      await ok(['ps:restart', app]);
      assert.deepEqual(await get(server.httpPort, `${app}.localhost`, '/'), { status: 200, body: 'from the static listener\n' });

      await ok(['network:set', app, 'static-web-listener']);
      await ok(['ps:restart', app]);
      assert.equal((await get(server.httpPort, `${app}.localhost`, '/')).body, own.body, 'unset: the app\'s own web process again');
      assert.match((await ok(['network:report', app, '--network-web-listeners'])).stdout, /^127\.0\.0\.1:\d+$/);
    } finally {
      outside.close();
    }
  });
});
