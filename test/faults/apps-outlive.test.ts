// Apps outlive the server (issue 10.2, 10.3): an app deployed by a real git push keeps answering
// on its own port while `slipway serve` is killed (-9) or stopped (SIGTERM); the next server adopts
// the same process (same pid) or container (same id, not restarted) and the proxy serves it
// again; a deploy killed in its release command is marked failed and the command does not run on
// unsupervised. The docker-local part skips, with the reason, when no Docker Engine answers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LABEL, type ContainerState, type DockerClient } from '../../src/docker/index.js';
import { TestServer, repoRoot } from '../helpers/server.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { alive } from '../helpers/fixtures.js';
import { until } from '../helpers/ssh-client.js';
import { eventually, get } from '../deploy/helpers.js';
import { PushClient, appFiles } from './push-client.js';
import type { GenerationRecord } from '../../src/store/index.js';

const APP = 'outliver';

describe('faults: apps outlive the server (process scheduler)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let client: PushClient;
  let flags: string | undefined;

  const processesDir = () => path.join(server.home, 'lib', 'data', 'processes', APP);

  /**
   * web.1 of the one generation recorded for the app: its pid (from its pid file) and port;
   * undefined while no process runs (the pid file goes with it).
   */
  function web1(): { pid: number; port: number; pidFile: string } | undefined {
    const generations = fs.existsSync(processesDir()) ? fs.readdirSync(processesDir()) : [];
    assert.equal(generations.length, 1, `one generation recorded: ${generations.join(', ')}`);
    const dir = path.join(processesDir(), generations[0]);
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'generation.json'), 'utf8')) as GenerationRecord;
    const instance = record.instances.find((i) => i.id === 'web.1');
    assert.ok(instance?.port, 'web.1 has a port');
    const pidFile = path.join(dir, 'web.1.pid');
    let pid: number;
    try {
      pid = Number(fs.readFileSync(pidFile, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return { pid, port: instance.port, pidFile };
  }

  function running(): { pid: number; port: number; pidFile: string } {
    const found = web1();
    assert.ok(found, 'web.1 runs (its pid file is there)');
    return found;
  }

  /** What the app answers on its own port (no proxy in between). */
  async function direct(port: number): Promise<string | undefined> {
    const reply = await get(port, 'localhost').catch(() => undefined);
    return reply?.status === 200 ? reply.body : undefined;
  }

  /** What the proxy serves for the app; undefined while it serves nothing useful (or is down). */
  async function proxied(): Promise<string | undefined> {
    await until(() => /\(proxy\)/.test(server.output));
    const reply = await get(server.httpPort, `${APP}.localhost`).catch(() => undefined);
    return reply?.status === 200 ? reply.body : undefined;
  }

  async function restart(): Promise<void> {
    server.output = ''; // boot() waits for a fresh banner, not the dead server's
    await server.boot();
  }

  before(async () => {
    server = await TestServer.start();
    flags = path.join(server.dir, 'flags');
    fs.mkdirSync(flags);
    assert.equal((await server.ssh(['apps:create', APP])).code, 0);
    const set = await server.ssh(['config:set', '--no-restart', APP, 'DOKKU_WAIT_TO_RETIRE=0']);
    assert.equal(set.code, 0, set.stderr);
    client = new PushClient(server, path.join(server.dir, 'work'));
    await client.init(appFiles('one'));
    const push = await client.push(APP);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(await proxied(), 'one');
  });

  after(async () => {
    if (flags) fs.writeFileSync(path.join(flags, 'stop'), '');
    await server?.stop();
  });

  it('10.3: kill -9 of the server: the app still answers on its port; the next server adopts the same pid and the proxy serves again', async () => {
    const before = running();
    assert.equal(await direct(before.port), 'one');
    const proxyPort = server.httpPort;

    await server.kill('SIGKILL');
    assert.ok(alive(before.pid), 'the app process outlived the server');
    assert.equal(await direct(before.port), 'one', 'the app answers on its own port while no server runs');
    await assert.rejects(get(proxyPort, `${APP}.localhost`), 'the built-in proxy is down with the server');

    await restart();
    await eventually(async () => ((await proxied()) === 'one' ? true : undefined));
    const adopted = new RegExp(`adopted ${APP} v1, still running from the previous server \\(web\\.1 pid ${before.pid}\\)`);
    await until(() => adopted.test(server.output));
    const after = running();
    assert.deepEqual([after.pid, after.port], [before.pid, before.port], 'adopted, not restarted');
    assert.ok(alive(before.pid));
  });

  it('10.3: SIGTERM stops the server, not the app, and says the proxy is down until it is back; the next server adopts the app', async () => {
    const before = running();
    await server.kill('SIGTERM');
    // (The server's last words may reach us just after its exit.)
    await until(() => /SIGTERM: stopping the server; apps keep running and the next start adopts them\. The built-in proxy \(port \d+\) does not answer until the server is back/.test(server.output));
    assert.ok(alive(before.pid));
    assert.equal(await direct(before.port), 'one');
    await restart();
    await eventually(async () => ((await proxied()) === 'one' ? true : undefined));
    assert.equal(running().pid, before.pid);
  });

  it('10.3: an adopted process that dies is restarted by the server that adopted it', async () => {
    const before = running();
    process.kill(-before.pid, 'SIGKILL');
    // The pid file goes while no process runs, and comes back with the restarted one.
    const after = await eventually(async () => {
      const now = web1();
      return now && now.pid !== before.pid && alive(now.pid) ? now : undefined;
    });
    assert.equal(after.port, before.port, 'the restarted process keeps its port');
    await eventually(async () => ((await proxied()) === 'one' ? true : undefined));
    const logs = await server.ssh(['logs', APP]);
    assert.match(logs.stdout, /web\.1 exited with an unknown status; restarting in 1s/, logs.stdout);
  });

  it('10.2: a deploy killed in its release command is marked failed after a restart, and the command is stopped at start', async () => {
    assert.ok(flags);
    const released = path.join(flags, 'release.pid');
    const procfile = `web: node server.cjs\nrelease: echo $$ > ${released}; i=0; while [ ! -e ${path.join(flags, 'stop')} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n`;
    await client.commit({ ...appFiles('two'), Procfile: procfile });
    const push = client.push(APP);
    await until(() => fs.existsSync(released) && fs.readFileSync(released, 'utf8').endsWith('\n'));
    const releasePid = Number(fs.readFileSync(released, 'utf8'));
    const serving = running();

    await server.kill('SIGKILL');
    assert.notEqual((await push).code, 0, 'the push of a killed deploy fails');
    assert.ok(alive(releasePid), 'precondition: the release command outlived the killed server');

    await restart();
    await until(() => !alive(releasePid));
    assert.match(server.output, /stopping one-off command \(process group \d+\) left by a previous server/);
    assert.match(server.output, new RegExp(`${APP}: v2 marked failed: the previous server stopped during the deploy`));
    const releases = await server.ssh(['releases', APP]);
    assert.equal(releases.code, 0, releases.stderr);
    assert.match(releases.stdout, /^\s*v2\s.*failed \(interrupted: the server stopped during this deploy\)\s*$/m, releases.stdout);
    await eventually(async () => ((await proxied()) === 'one' ? true : undefined));
    assert.equal(running().pid, serving.pid, 'the serving release was adopted, untouched by the failed deploy');
  });
});

describe('faults: apps outlive the server (docker-local)', function () {
  this.timeout(300_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;
  let client: PushClient;
  const app = `outlive-${TEST_RUN}`.toLowerCase();

  const engine = (): DockerClient => {
    assert.ok(docker, 'a Docker Engine');
    return docker;
  };
  const running = (): TestServer => {
    assert.ok(server, 'a server');
    return server;
  };

  /** The app's one web container: its id, host port (label) and what the engine says of it. */
  async function web1(): Promise<{ id: string; port: number; state: ContainerState }> {
    const containers = (await engine().listContainers({ [LABEL.app]: app })).filter((c) => c.labels[LABEL.oneOff] !== 'true');
    assert.deepEqual(containers.map((c) => c.name), [`${app}.web.1`]);
    const [c] = containers;
    return { id: c.id, port: Number(c.labels['com.slipway.port']), state: await engine().inspectContainer(c.id) };
  }

  async function direct(port: number): Promise<string | undefined> {
    const reply = await get(port, 'localhost').catch(() => undefined);
    return reply?.status === 200 ? reply.body : undefined;
  }

  async function proxied(): Promise<string | undefined> {
    await until(() => /\(proxy\)/.test(running().output));
    const reply = await get(running().httpPort, `${app}.localhost`).catch(() => undefined);
    return reply?.status === 200 ? reply.body : undefined;
  }

  before(async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
    assert.equal((await server.ssh(['apps:create', app])).code, 0);
    client = new PushClient(server, path.join(server.dir, 'work'));
    const fixture = path.join(repoRoot, 'test', 'fixtures', 'docker', 'web-app');
    // The fixture without its HEALTHCHECK (2 s timeouts): on a loaded machine it can fail a deploy
    // this test is not about; the default check (the port answers) is enough here.
    const dockerfile = fs.readFileSync(path.join(fixture, 'Dockerfile'), 'utf8').split('\n').filter((l) => !l.startsWith('HEALTHCHECK')).join('\n');
    await client.init({
      Dockerfile: dockerfile,
      'www/index.html': 'docker one\n',
    });
    const push = await client.push(app);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(await proxied(), 'docker one\n');
  });

  after(async function () {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    await docker.removeByLabels({ [LABEL.app]: app });
  });

  it('10.3: kill -9 of the server: the container keeps answering on its port; the next server adopts it (same container, not restarted) and the proxy serves again', async () => {
    const before = await web1();
    assert.ok(before.state.running);
    assert.equal(await direct(before.port), 'docker one\n');
    const proxyPort = running().httpPort;

    await running().kill('SIGKILL');
    assert.equal((await engine().inspectContainer(before.id)).running, true, 'the container outlived the server');
    assert.equal(await direct(before.port), 'docker one\n', 'the app answers on its own port while no server runs');
    await assert.rejects(get(proxyPort, `${app}.localhost`), 'the built-in proxy is down with the server');

    running().output = '';
    await running().boot();
    await eventually(async () => ((await proxied()) === 'docker one\n' ? true : undefined));
    await until(() => running().output.includes(`adopted ${app} v1, still running from the previous server`));
    const after = await web1();
    assert.equal(after.id, before.id, 'the same container');
    assert.deepEqual([after.state.startedAt, after.state.restartCount, after.port], [before.state.startedAt, before.state.restartCount, before.port], 'not restarted');
  });

  it('10.3: SIGTERM stops the server, not the container; the next server adopts it', async () => {
    const before = await web1();
    await running().kill('SIGTERM');
    assert.equal((await engine().inspectContainer(before.id)).running, true);
    assert.equal(await direct(before.port), 'docker one\n');
    running().output = '';
    await running().boot();
    await eventually(async () => ((await proxied()) === 'docker one\n' ? true : undefined));
    const after = await web1();
    assert.deepEqual([after.id, after.state.startedAt], [before.id, before.state.startedAt]);
  });
});
