// SLIPWAY_NGINX=system against a real nginx that the test starts, standing in for the host's: its
// own main config includes a conf.d folder (as Debian's /etc/nginx/nginx.conf does), and
// SLIPWAY_NGINX_BIN is a wrapper that points nginx at that config, as the system binary's default
// would. Slipway writes SLIPWAY_NGINX_CONF there, checks with `nginx -t`, reloads the master named
// by SLIPWAY_NGINX_PID, and never starts or stops an nginx of its own.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { freeLoopbackPort } from '../helpers/net.js';
import { eventually } from '../deploy/helpers.js';
import { curlLoopback, skipWithoutNginx } from '../helpers/curl.js';
import { childrenOf } from '../../src/os/process-group.js';

describe('SLIPWAY_NGINX=system: Slipway configures and reloads an nginx it did not start', function () {
  this.timeout(300_000);
  let server: TestServer;
  let sys: string;
  let httpPort: number;
  let masterPid = 0;
  const pidFile = () => path.join(sys, 'nginx.pid');
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const curl = () => curlLoopback(`http://web.test:${httpPort}/`, [`web.test:${httpPort}`]);

  before(async function () {
    await skipWithoutNginx(this);
    sys = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-system-nginx-'));
    fs.mkdirSync(path.join(sys, 'conf.d'));
    fs.mkdirSync(path.join(sys, 'logs'));
    fs.mkdirSync(path.join(sys, 'tmp'));
    // The stand-in's main config: its own pid file, logs and temp folders, and a conf.d include.
    fs.writeFileSync(path.join(sys, 'nginx.conf'), [
      `pid ${pidFile()};`,
      `error_log ${sys}/logs/error.log;`,
      'events { worker_connections 64; }',
      'http {',
      `  access_log ${sys}/logs/access.log;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${sys}/tmp/${t};`),
      `  include ${sys}/conf.d/*.conf;`,
      '}',
      '',
    ].join('\n'));
    const wrapper = path.join(sys, 'nginx');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec nginx -p ${sys}/ -c ${sys}/nginx.conf "$@"\n`, { mode: 0o755 });
    const started = await execa(wrapper, [], { reject: false });
    assert.equal(started.exitCode, 0, started.stderr);
    masterPid = Number(fs.readFileSync(pidFile(), 'utf8').trim());
    httpPort = await freeLoopbackPort();
    server = await TestServer.start({
      env: {
        SLIPWAY_NGINX: 'system',
        SLIPWAY_NGINX_BIN: wrapper,
        SLIPWAY_NGINX_CONF: path.join(sys, 'conf.d', 'slipway.conf'),
        SLIPWAY_NGINX_PID: pidFile(),
        SLIPWAY_NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`,
        SLIPWAY_NGINX_HTTPS_LISTEN: `127.0.0.1:${await freeLoopbackPort()}`,
      },
    });
    await ok(['apps:create', 'web']);
    await ok(['domains:set', 'web', 'web.test']);
    await ok(['nginx:set', 'web', 'access-log-path', path.join(sys, 'logs', 'web-access.log')]);
    await ok(['nginx:set', 'web', 'error-log-path', path.join(sys, 'logs', 'web-error.log')]);
    await ok(['proxy:set', 'web', 'nginx']);
    const push = await (await appWork(server)).push('web');
    assert.equal(push.exitCode, 0, String(push.stderr));
  });

  after(async () => {
    await server?.stop();
    if (masterPid > 0) {
      try { process.kill(masterPid, 'SIGQUIT'); } catch { /* already gone */ }
    }
    if (sys) fs.rmSync(sys, { recursive: true, force: true });
  });

  it('writes its include for the system nginx, which serves the pushed app after a reload', async () => {
    assert.equal(fs.readFileSync(path.join(sys, 'conf.d', 'slipway.conf'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).join('\n'),
      `include ${path.join(server.home, 'home')}/*/nginx.conf;`);
    const r = await curl();
    assert.match(r.status, / 200/);
    assert.equal(r.body, 'v1 web.1');
    // The same master serves: Slipway started no nginx of its own.
    assert.equal(Number(fs.readFileSync(pidFile(), 'utf8').trim()), masterPid);
    assert.equal(fs.existsSync(path.join(server.home, 'lib', 'data', 'nginx', 'nginx.pid')), false);
  });

  it('a change is checked with nginx -t and reloads the system master (new workers, same master)', async () => {
    const workers = new Set(childrenOf(masterPid));
    const dir = path.join(server.home, 'home', 'web', 'nginx.conf.d');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'x.conf'), 'add_header X-System "reloaded" always;\n');
    await ok(['proxy:build-config', 'web']);
    assert.match((await curl()).headers, /^x-system: reloaded$/im);
    assert.ok(childrenOf(masterPid).some((pid) => !workers.has(pid)), 'new workers after the reload');
    // A fragment nginx refuses is reported with nginx's message; the system nginx keeps serving.
    fs.writeFileSync(path.join(dir, 'x.conf'), 'not_a_directive on;\n');
    const bad = await server.ssh(['proxy:build-config', 'web']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /nginx refused the configuration of web: \[emerg\] unknown directive "not_a_directive"/);
    assert.match((await curl()).status, / 200/);
    fs.rmSync(path.join(dir, 'x.conf'));
    await ok(['proxy:build-config', 'web']);
    assert.doesNotMatch((await curl()).headers, /x-system/i);
  });

  it('nginx:stop refuses to stop the system nginx; a change while it is down fails with one line', async () => {
    const stop = await server.ssh(['nginx:stop']);
    assert.deepEqual([stop.code, stop.stderr], [1, ' !     The system nginx is not Slipway\'s to stop (SLIPWAY_NGINX=system)']);
    assert.ok(fs.existsSync(`/proc/${masterPid}`), 'the system master still runs');
    process.kill(masterPid, 'SIGQUIT');
    await eventually(async () => (fs.existsSync(pidFile()) ? undefined : true));
    const down = await server.ssh(['proxy:build-config', 'web']);
    assert.equal(down.code, 1);
    assert.equal(down.stderr, ` !     the system nginx is not running (no live process in ${pidFile()})`);
    masterPid = 0;
  });
});
