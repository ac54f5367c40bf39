// ports:* as Dokku answers them (real server, OpenSSH): list, add, remove, set, clear, report, their
// errors, where the mappings are stored, post-proxy-ports-update; and the built-in proxy following a
// container-port mapping of an app deployed by git push.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, gitClientEnv } from '../helpers/server.js';
import { get } from '../deploy/helpers.js';
import { installPlugin } from '../helpers/fixtures.js';
import { freeLoopbackPort } from '../helpers/net.js';

/** A web process answering `main` on $PORT and `extra` on $EXTRA_PORT (an app that listens on a fixed port of its own). */
const SERVER = `const http = require('node:http');
// The fixed port may still be held by the previous generation during a restart: try again until it is free.
const serve = (port, body) => {
  const s = http.createServer((req, res) => res.end(body));
  s.on('error', () => setTimeout(() => s.listen(Number(port), '127.0.0.1'), 200));
  return s.listen(Number(port), '127.0.0.1');
};
const servers = [serve(process.env.PORT, 'main')];
if (process.env.EXTRA_PORT) servers.push(serve(process.env.EXTRA_PORT, 'extra'));
process.on('SIGTERM', () => { for (const s of servers) s.close(); process.exit(0); });
`;

describe('ports:* (real server, OpenSSH, git push)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let updates: string;
  const ssh = (args: string[]) => server.ssh(args);
  const mapFile = (app: string) => path.join(server.home, 'lib', 'config', 'ports', app, 'map');

  before(async () => {
    server = await TestServer.start();
    const dir = installPlugin(server.home, 'ports-watch', {
      'post-proxy-ports-update': '#!/usr/bin/env bash\necho "$*" >>"$(dirname "$0")/updates.log"\n',
    });
    updates = path.join(dir, 'updates.log');
    assert.equal((await ssh(['apps:create', 'mapped'])).code, 0);
  });
  after(async () => { await server?.stop(); });

  it('list with no mappings is Dokku\'s error; add stores them sorted where Dokku does and lists them in columns', async () => {
    const none = await ssh(['ports:list', 'mapped']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     No port mappings configured for app']);
    const add = await ssh(['ports:add', 'mapped', 'https:443:5000', 'http:80:5000']);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(fs.readFileSync(mapFile('mapped'), 'utf8'), 'http:80:5000\nhttps:443:5000\n');
    const list = await ssh(['ports:list', 'mapped']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, [
      '-----> Port mappings for mapped',
      '    -----> scheme  host port  container port',
      '    http           80         5000',
      '    https          443        5000',
    ].join('\n'));
    const quiet = await ssh(['--quiet', 'ports:list', 'mapped']);
    assert.equal(quiet.stdout, '    http   80   5000\n    https  443  5000');
    assert.equal(fs.readFileSync(updates, 'utf8'), 'mapped add\n');
  });

  it('add refuses what Dokku refuses, and nothing changes', async () => {
    const cases: Array<[string[], string]> = [
      [[], 'No port mapping specified'],
      [['http:80:3000'], 'Error validating all port mappings: The same scheme:host-port is being reused: http:80'],
      [['http:8080:1', 'http:8080:2'], 'Error validating new port mappings: The same scheme:host-port is being reused: http:8080'],
      [['http:abc:5000'], 'Invalid port map http:abc:5000 [err=strconv.Atoi: parsing "abc": invalid syntax]'],
      [['http:80'], 'Invalid port map http:80 [len=2]'],
      [['http:70000:5000'], 'Invalid port map http:70000:5000 [hostPort=70000]'],
      [['http:8080:0'], 'Invalid port map http:8080:0 [containerPort=0]'],
      [['0'], 'Invalid port map 0 [hostPort=0]'],
    ];
    for (const [maps, message] of cases) {
      const r = await ssh(['ports:add', 'mapped', ...maps]);
      assert.deepEqual([r.code, r.stderr], [1, ` !     ${message}`], maps.join(' '));
    }
    const ghost = await ssh(['ports:add', 'ghost', 'http:80:5000']);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
    assert.equal(fs.readFileSync(mapFile('mapped'), 'utf8'), 'http:80:5000\nhttps:443:5000\n');
    assert.equal(fs.readFileSync(updates, 'utf8'), 'mapped add\n');
  });

  it('report shows the mappings and Dokku\'s detected default; --FLAG and --format json', async () => {
    const report = await ssh(['ports:report', 'mapped']);
    assert.equal(report.code, 0, report.stderr);
    const row = (label: string, value: string) => `       ${`${label}:`.padEnd(31)}${value}`;
    assert.equal(report.stdout, [
      '=====> mapped ports information',
      row('Ports map', 'http:80:5000 https:443:5000'),
      row('Ports map detected', 'http:80:5000'),
      row('Ports map detected json', '[{"container_port":5000,"host_port":80,"scheme":"http"}]'),
      row('Ports map json', '[{"container_port":5000,"host_port":80,"scheme":"http"},{"container_port":5000,"host_port":443,"scheme":"https"}]'),
    ].join('\n'));
    assert.equal((await ssh(['ports:report', 'mapped', '--ports-map'])).stdout, 'http:80:5000 https:443:5000');
    const json = JSON.parse((await ssh(['ports:report', 'mapped', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json['map'], 'http:80:5000 https:443:5000');
    assert.equal(json['ports-map-detected'], 'http:80:5000');
  });

  it('remove takes exact mappings or a bare host port; set replaces; clear empties (the file goes)', async () => {
    assert.equal((await ssh(['ports:add', 'mapped', 'http:8080:5000', 'grpc:8080:50051'])).code, 0);
    const exact = await ssh(['ports:remove', 'mapped', 'https:443:5000']);
    assert.equal(exact.code, 0, exact.stderr);
    assert.equal((await ssh(['ports:report', 'mapped', '--ports-map'])).stdout, 'grpc:8080:50051 http:8080:5000 http:80:5000');
    const byPort = await ssh(['ports:remove', 'mapped', '8080']);
    assert.equal(byPort.code, 0, byPort.stderr);
    assert.equal((await ssh(['ports:report', 'mapped', '--ports-map'])).stdout, 'http:80:5000');
    const set = await ssh(['ports:set', 'mapped', 'http:80:3000', 'http:9000:5000']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(fs.readFileSync(mapFile('mapped'), 'utf8'), 'http:80:3000\nhttp:9000:5000\n');
    const reused = await ssh(['ports:set', 'mapped', 'http:80:1', 'http:80:2']);
    assert.deepEqual([reused.code, reused.stderr], [1, ' !     Error validating port mappings: The same scheme:host-port is being reused: http:80']);
    const clear = await ssh(['ports:clear', 'mapped']);
    assert.equal(clear.code, 0, clear.stderr);
    assert.equal(fs.existsSync(mapFile('mapped')), false);
    assert.equal((await ssh(['ports:report', 'mapped', '--ports-map'])).stdout, '');
    assert.equal((await ssh(['ports:report', 'mapped', '--ports-map-json'])).stdout, '[]');
    assert.equal(fs.readFileSync(updates, 'utf8'), 'mapped add\nmapped add\nmapped remove\nmapped remove\nmapped set\nmapped clear\n');
  });

  it('the built-in proxy forwards to the mapping\'s container port; a host port it does not listen on is kept and said so', async () => {
    const extra = await freeLoopbackPort();
    const work = path.join(server.dir, 'two-ports');
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, 'Procfile'), 'web: node server.cjs\n');
    fs.writeFileSync(path.join(work, 'server.cjs'), SERVER);
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    const env = gitClientEnv(server.admin, home);
    const git = (args: string[]) => execa('git', args, { cwd: work, env, extendEnv: false, reject: false });
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'two ports']]) {
      const r = await git(args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    assert.equal((await ssh(['apps:create', 'two'])).code, 0);
    assert.equal((await ssh(['config:set', '--no-restart', 'two', `EXTRA_PORT=${extra}`])).code, 0);
    const push = await git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/two`, 'main']);
    assert.equal(push.exitCode, 0, push.stderr);
    assert.equal((await get(server.httpPort, 'two.localhost')).body, 'main');

    // http:80 stands for the proxy's listener: container port EXTRA is where requests go now.
    const set = await ssh(['ports:set', 'two', `http:80:${extra}`]);
    assert.deepEqual([set.code, set.stderr], [0, '']);
    assert.equal((await get(server.httpPort, 'two.localhost')).body, 'extra');
    // The listener's own port wins over 80; 5000 is the PORT the process was given.
    assert.equal((await ssh(['ports:add', 'two', `http:${server.httpPort}:5000`])).code, 0);
    assert.equal((await get(server.httpPort, 'two.localhost')).body, 'main');
    // Another host port is stored and reported, and said not to be served.
    const other = await ssh(['ports:set', 'two', `http:9000:${extra}`, 'https:443:5000']);
    assert.equal(other.code, 0, other.stderr);
    // https:443 stands for the HTTPS listener: served, so not warned about.
    assert.equal(other.stderr,
      ` !     http:9000:${extra} is kept, but the built-in proxy does not serve it: it listens on port ${server.httpPort} for http and on port ${server.httpsPort} for https (host ports 80 and 443 stand for them); nginx serves other ports (proxy:set two nginx)`);
    assert.equal((await ssh(['ports:report', 'two', '--ports-map'])).stdout, `http:9000:${extra} https:443:5000`);
    assert.equal((await get(server.httpPort, 'two.localhost')).body, 'main');
    // A restart (new processes, new PORTs) keeps the mapping.
    assert.equal((await ssh(['ports:set', 'two', `http:80:${extra}`])).code, 0);
    assert.equal((await ssh(['ps:restart', 'two'])).code, 0);
    assert.equal((await get(server.httpPort, 'two.localhost')).body, 'extra');
    assert.equal((await ssh(['ports:clear', 'two'])).code, 0);
    assert.equal((await get(server.httpPort, 'two.localhost')).body, 'main');
  });
});
