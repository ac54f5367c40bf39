// proxy:* against a real server (OpenSSH, an app deployed by git push, process scheduler, built-in
// proxy): the type property as Dokku stores it, report, disable stopping the routing, enable
// bringing it back, build-config, and the proxy-type / proxy-is-enabled triggers a plugin calls.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { get } from '../deploy/helpers.js';
import { installPlugin } from '../helpers/fixtures.js';

describe('proxy:* (real server, OpenSSH, git push, built-in proxy)', function () {
  this.timeout(180_000);
  let server: TestServer;
  const ssh = (args: string[]) => server.ssh(args);
  const ok = async (args: string[]) => {
    const r = await ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    server = await TestServer.start();
    installPlugin(server.home, 'proxy-probe', {
      commands: '#!/usr/bin/env bash\n[[ "$1" == "proxy-probe" ]] || exit "$DOKKU_NOT_IMPLEMENTED_EXIT"\necho "$(plugn trigger proxy-type "$2") $(plugn trigger proxy-is-enabled "$2")"\n',
    });
    await ok(['apps:create', 'routed']);
    await ok(['domains:set', 'routed', 'routed.test']);
    const work = await appWork(server);
    const push = await work.push('routed');
    assert.equal(push.exitCode, 0, String(push.stderr));
  });
  after(async () => { await server?.stop(); });

  it('reports the built-in proxy as the default, enabled', async () => {
    assert.equal((await ok(['proxy:report', 'routed', '--proxy-computed-type'])).stdout, 'builtin');
    const json = JSON.parse((await ok(['proxy:report', 'routed', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json['computed-type'], 'builtin');
    assert.equal(json.enabled, 'true');
    assert.equal(json.disabled, '');
    assert.equal(json['computed-disabled'], 'false');
    assert.equal(json.type, '');
    assert.equal((await ok(['proxy-probe', 'routed'])).stdout, 'builtin true');
  });

  it('proxy:disable stops routing the app; proxy:enable brings it back', async () => {
    assert.equal((await get(server.httpPort, 'routed.test')).status, 200);
    const off = await ok(['proxy:disable', 'routed']);
    assert.equal(off.stdout, '-----> Disabling proxy for app');
    assert.equal(fs.readFileSync(path.join(server.home, 'lib', 'config', 'proxy', 'routed', 'disabled'), 'utf8'), 'true');
    assert.equal((await get(server.httpPort, 'routed.test')).status, 404);
    assert.equal((await ok(['proxy:disable', 'routed'])).stdout, '-----> Proxy is already disabled for app');
    assert.equal((await ok(['proxy:report', 'routed', '--proxy-enabled'])).stdout, 'false');
    assert.equal((await ok(['proxy-probe', 'routed'])).stdout, 'builtin false');
    // A restart keeps it unrouted.
    await ok(['ps:restart', 'routed']);
    assert.equal((await get(server.httpPort, 'routed.test')).status, 404);
    assert.equal((await ok(['proxy:enable', 'routed'])).stdout, '-----> Enabling proxy for app');
    const back = await get(server.httpPort, 'routed.test');
    assert.deepEqual([back.status, back.body], [200, 'v1 web.1']);
  });

  it('proxy:set stores the type where Dokku does, refuses unknown types and port mappings', async () => {
    assert.equal((await ok(['proxy:set', '--global', 'builtin'])).stdout, '=====> Setting type to builtin');
    assert.equal(fs.readFileSync(path.join(server.home, 'lib', 'config', 'proxy', '--global', 'type'), 'utf8'), 'builtin');
    assert.equal((await ok(['proxy:report', 'routed', '--proxy-global-type'])).stdout, 'builtin');
    const unknown = await ssh(['proxy:set', 'routed', 'caddy']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Invalid proxy type caddy; available: builtin, nginx/);
    const mapping = await ssh(['proxy:set', 'routed', 'http:80:5000']);
    assert.equal(mapping.code, 1);
    assert.equal(mapping.stderr, ' !     Detected potential port mapping instead of proxy type\n !     Consider using ports:set command or specifying a valid proxy');
    assert.equal((await ok(['proxy:set', 'routed', 'type', 'builtin'])).stdout, '=====> Setting type to builtin');
    assert.equal((await ok(['proxy:set', 'routed', 'type'])).stdout, '=====> Unsetting type');
    assert.equal((await ok(['proxy:set', '--global'])).stdout, '=====> Unsetting type');
    assert.equal((await ok(['proxy:report', 'routed', '--proxy-type'])).stdout, '');
  });

  it('proxy:build-config publishes the route again; --all runs it for every app', async () => {
    assert.equal((await ok(['proxy:build-config', 'routed'])).stdout, '-----> Publishing the route of routed on the built-in proxy');
    assert.equal((await get(server.httpPort, 'routed.test')).status, 200);
    await ok(['apps:create', 'undeployed']);
    const all = await ok(['proxy:build-config', '--all']);
    assert.match(all.stdout, /undeployed is not deployed: no proxy configuration to build/);
    assert.equal((await get(server.httpPort, 'routed.test')).status, 200);
  });
});
