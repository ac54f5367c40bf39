// The docker-swarm scheduler on a real 3-node swarm (test/helpers/swarm-cluster.ts): a real
// `slipway serve` runs in the manager's network namespace with DOCKER_HOST at the manager's engine,
// the real git and OpenSSH clients push to it there, images go through a real registry. Deploy,
// scale over the nodes, serve through the proxy, a failing release rolled back (push rejected),
// the loss of a node, destroy. Skipped with the reason where the cluster cannot be built.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, gitClientEnv, gitSshCommand, repoRoot, sshOptions } from '../helpers/server.js';
import { SwarmCluster, swarmProblem } from '../helpers/swarm-cluster.js';
import { skipSuite } from '../helpers/swarm-skip.js';
import { eventually } from '../deploy/helpers.js';

const APP = 'swarmapp';
const HOST = `${APP}.localhost`;
const FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'docker', 'swarm-app');

interface Task { node: string; state: string; desired: string; image: string }

describe('docker-swarm scheduler on a real 3-node swarm (git push, registry, proxy)', function () {
  this.timeout(600_000);
  let cluster: SwarmCluster | undefined;
  let server: TestServer | undefined;
  let work: string;
  let gitEnv: Record<string, string>;

  const c = (): SwarmCluster => cluster!;
  const s = (): TestServer => server!;
  const git = (args: string[]) => execa('git', args, { cwd: work, env: gitEnv, extendEnv: false, reject: false });
  const push = () => git(['push', `ssh://dokku@127.0.0.1:${s().sshPort}/${APP}`, 'main']);
  const commit = async (files: Record<string, string>, message: string): Promise<void> => {
    for (const [name, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, name)), { recursive: true });
      fs.writeFileSync(path.join(work, name), content);
    }
    for (const args of [['add', '-A'], ['commit', '-q', '-m', message]]) {
      const r = await git(args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
  };
  /** GET through Slipway's proxy, from inside the manager's namespace where the server runs. */
  const page = async (): Promise<{ status: number; body: string }> => {
    const r = await c().curl(['-s', '-H', `Host: ${HOST}`, '-w', '|%{http_code}', `http://127.0.0.1:${s().httpPort}/`], c().manager, { strip: false });
    const cut = r.stdout.lastIndexOf('|');
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
  };
  const tasks = async (): Promise<Task[]> => {
    const r = await c().docker(c().manager, ['service', 'ps', `${APP}-web`, '--no-trunc', '--format', '{{.Node}}|{{.CurrentState}}|{{.DesiredState}}|{{.Image}}']);
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => {
      const [node, state, desired, image] = l.split('|');
      return { node, state: state.split(' ')[0].toLowerCase(), desired: desired.toLowerCase(), image };
    });
  };
  const running = async (): Promise<Task[]> => (await tasks()).filter((t) => t.state === 'running' && t.desired === 'running');
  const ssh = async (args: string[], input?: string) => {
    const r = await s().ssh(args, { input });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async function () {
    const problem = await swarmProblem();
    if (problem) skipSuite(this, `cannot build a swarm here: ${problem}`);
    cluster = await SwarmCluster.start((line) => process.stdout.write(`      ${line}\n`));
    server = await TestServer.start({
      wrap: cluster.inNetns(),
      env: { DOCKER_HOST: cluster.dockerHost, SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' },
    });
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    gitEnv = { ...gitClientEnv(server.admin, home), GIT_SSH_COMMAND: `${cluster.inNetns().join(' ')} ${gitSshCommand(server.admin)}` };
    work = path.join(server.dir, 'work');
    fs.cpSync(FIXTURE, work, { recursive: true });
    const init = await git(['init', '-q', '-b', 'main']);
    assert.equal(init.exitCode, 0, init.stderr);
    await commit({}, 'v1');
  });

  after(async function () {
    await server?.stop().catch(() => undefined);
    await cluster?.stop();
  });

  it('reports the swarm, its nodes and the routing mode this kernel allows', async function () {
    const report = await ssh(['scheduler-docker-swarm:report', '--global']);
    assert.match(report.stdout, /Scheduler docker swarm swarm state: +active$/m);
    assert.match(report.stdout, /Scheduler docker swarm manager: +true$/m);
    for (const node of c().nodes) assert.match(report.stdout, new RegExp(`${node.name} (manager \\(leader\\)|worker) ready active ${node.address.replace(/\./g, '\\.')}`));
    const ipvs = (await execa('nsenter', [...c().inNetns().slice(1), 'test', '-d', '/proc/sys/net/ipv4/vs'], { reject: false })).exitCode === 0;
    assert.match(report.stdout, new RegExp(`Scheduler docker swarm computed routing mode: +${ipvs ? 'ingress' : 'host'} \\(auto: `));
    const nodes = await ssh(['scheduler-docker-swarm:nodes']);
    assert.equal(nodes.stdout.trim().split('\n').length, 3, nodes.stdout);
    const init = await ssh(['scheduler-docker-swarm:init']);
    assert.match(init.stdout, new RegExp(`docker swarm join --token SWMTKN-\\S+ ${c().manager.address.replace(/\./g, '\\.')}:2377`));
  });

  it('a worker engine is refused with a clear error', async function () {
    const worker = await TestServer.start({ env: { DOCKER_HOST: `unix://${c().nodes[1].socket}`, SLIPWAY_SCHEDULER: 'process' } });
    try {
      const r = await worker.ssh(['scheduler-docker-swarm:nodes']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /is not a swarm manager \(swarm state active\)/);
    } finally {
      await worker.stop();
    }
  });

  it('registry:set, registry:login and registry:report (Dokku\'s registry plugin)', async function () {
    await ssh(['apps:create', APP]);
    await ssh(['builder:set', APP, 'selected', 'dockerfile']);
    await ssh(['scheduler:set', APP, 'selected', 'docker-swarm']);
    await ssh(['registry:set', '--global', 'server', c().registryAddress]);
    const login = await ssh(['registry:login', '--password-stdin', c().registryAddress, 'tester'], 'secret\n');
    assert.match(String(login.stderr), /^ ! {5}Login Succeeded for global registry$/m);
    // The global form without --global: Dokku's deprecation warning, then the global login.
    assert.match(String(login.stderr), /^ ! {5}Deprecated: please use --global flag for global registry login$/m);
    const report = await ssh(['registry:report', APP]);
    assert.match(report.stdout, new RegExp(`Registry computed server: +${c().registryAddress.replace(/\./g, '\\.')}/$`, 'm'));
    assert.match(report.stdout, new RegExp(`Registry computed image repo: +dokku/${APP}$`, 'm'));
    assert.equal((await ssh(['registry:report', APP, '--registry-server'])).stdout, '');
    const bad = await s().ssh(['registry:set', APP, 'colour', 'blue']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Invalid property specified, valid properties include: image-repo, image-repo-template, push-extra-tags, push-on-release, server/);
  });

  it('a git push builds, pushes to the registry and runs the app as a swarm service behind the proxy', async function () {
    const pushed = await push();
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    assert.deepEqual(await page(), { status: 200, body: 'version v1\n' });
    const catalog = await c().curl(['-s', `http://${c().registryAddress}/v2/dokku/${APP}/tags/list`]);
    assert.deepEqual(JSON.parse(catalog.stdout), { name: `dokku/${APP}`, tags: ['1'] });
    const inspect = await c().docker(c().manager, ['service', 'inspect', `${APP}-web`, '--format', '{{json .Spec}}']);
    const spec = JSON.parse(inspect.stdout) as { Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Image: string; Env: string[] } }; UpdateConfig: { Order: string; FailureAction: string }; EndpointSpec: { Ports: Array<{ PublishMode: string }> } };
    assert.equal(spec.Labels['com.slipway.app'], APP);
    assert.equal(spec.Labels['com.slipway.process'], 'web');
    assert.equal(spec.Labels['com.slipway.release'], '1');
    assert.match(spec.TaskTemplate.ContainerSpec.Image, new RegExp(`^${c().registryAddress.replace(/\./g, '\\.')}/dokku/${APP}:1(@sha256:[0-9a-f]+)?$`));
    assert.ok(spec.TaskTemplate.ContainerSpec.Env.includes('PORT=5000'));
    assert.deepEqual([spec.UpdateConfig.Order, spec.UpdateConfig.FailureAction], ['start-first', 'rollback']);
    assert.equal(spec.EndpointSpec.Ports[0].PublishMode, 'host');
  });

  it('ps:scale web=3 spreads three tasks over the three nodes, all served', async function () {
    await ssh(['config:set', APP, 'GREETING=hello']);
    await ssh(['ps:scale', APP, 'web=3']);
    const live = await running();
    assert.equal(live.length, 3, JSON.stringify(live));
    assert.deepEqual(live.map((t) => t.node).sort(), c().nodes.map((n) => n.name));
    const inspect = await c().docker(c().manager, ['service', 'inspect', `${APP}-web`, '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Env}}']);
    assert.ok((JSON.parse(inspect.stdout) as string[]).includes('GREETING=hello'));
    for (let i = 0; i < 9; i++) assert.deepEqual(await page(), { status: 200, body: 'version v1\n' });
    const report = await ssh(['ps:report', APP]);
    assert.match(report.stdout, /Status web 1: +running/);
    assert.match(report.stdout, /Status web 3: +running/);
    const logs = await ssh(['logs', APP, '--num', '200']);
    // Every task's access log, collected by Swarm from its node.
    for (const slot of [1, 2, 3]) assert.match(logs.stdout, new RegExp(`^\\S+ app\\[web\\.${slot}\\]: \\S+ url:/$`, 'm'));
  });

  it('a new release rolls out (start-first) and is served, with the resource limits set since', async function () {
    await ssh(['resource:limit', '--memory', '256', '--cpu', '0.5', APP]);
    await ssh(['resource:reserve', '--memory', '64', APP]);
    await commit({ 'www/index.html': 'version v2\n' }, 'v2');
    const pushed = await push();
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    assert.deepEqual(await page(), { status: 200, body: 'version v2\n' });
    const live = await running();
    assert.equal(live.length, 3);
    assert.ok(live.every((t) => t.image.includes(`/dokku/${APP}:2`)), JSON.stringify(live));
    const inspect = await c().docker(c().manager, ['service', 'inspect', `${APP}-web`, '--format', '{{json .Spec.TaskTemplate.Resources}}']);
    assert.deepEqual(JSON.parse(inspect.stdout), { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 256 * 1024 ** 2 }, Reservations: { MemoryBytes: 64 * 1024 ** 2 } });
  });

  it('a release whose tasks fail is rolled back by Swarm, the push rejected, the old tasks keep serving', async function () {
    await commit({ Dockerfile: 'FROM slipway/busybox:latest\nCMD ["/bin/sh", "-c", "echo this release is broken; exit 3"]\n' }, 'broken');
    const pushed = await push();
    assert.notEqual(pushed.exitCode, 0, 'the push is rejected');
    assert.match(pushed.stderr, /rolled it back|rolled .* back/);
    assert.deepEqual(await page(), { status: 200, body: 'version v2\n' });
    const live = await eventually(async () => {
      const r = await running();
      return r.length === 3 && r.every((t) => t.image.includes(`/dokku/${APP}:2`)) ? r : undefined;
    }, 500);
    assert.equal(live.length, 3);
    await git(['revert', '--no-edit', 'HEAD']);
  });

  it('ps:stop removes the services (the proxy answers 503), ps:start runs them again; logs -t follows the new ones', async function () {
    // Started before the services go: a follower must pick up the services ps:start creates.
    const [command, ...prefix] = [...c().inNetns(), 'ssh'];
    const follow = execa(command, [...prefix, ...sshOptions(s().sshPort, s().admin), '--', 'dokku@127.0.0.1', 'logs', APP, '-t', '-n', '0'], { reject: false });
    let followed = '';
    follow.stdout?.on('data', (chunk: Buffer) => { followed += chunk.toString(); });
    try {
      await ssh(['ps:stop', APP]);
      const gone = await c().docker(c().manager, ['service', 'ls', '--filter', `label=com.slipway.app=${APP}`, '--format', '{{.Name}}']);
      assert.equal(gone.stdout.trim(), '');
      assert.equal((await page()).status, 503);
      await ssh(['ps:start', APP]);
      assert.deepEqual(await page(), { status: 200, body: 'version v2\n' });
      assert.equal((await running()).length, 3);
      await eventually(async () => {
        await page();
        return /^\S+ app\[web\.[123]\]: \S+ url:\/$/m.test(followed) ? true : undefined;
      }, 500);
    } finally {
      follow.kill('SIGTERM');
      await follow;
    }
  });

  it('apps keep running while Slipway is down; the next server adopts the services without restarting a task', async function () {
    const ids = async () => (await c().docker(c().manager, ['service', 'ps', `${APP}-web`, '--filter', 'desired-state=running', '--format', '{{.ID}}'])).stdout.trim().split('\n').sort();
    const before = await ids();
    const port = JSON.parse((await c().docker(c().manager, ['service', 'inspect', `${APP}-web`, '--format', '{{json .Endpoint.Ports}}'])).stdout)[0].PublishedPort as number;
    await s().kill();
    // No Slipway: a task still answers on its node's published port (asked from another node's namespace).
    const direct = await c().curl(['-s', `http://${c().nodes[1].address}:${port}/`], c().nodes[2]);
    assert.equal(direct.stdout, 'version v2');
    await s().boot();
    assert.deepEqual(await eventually(async () => {
      const answer = await page();
      return answer.status === 200 ? answer : undefined;
    }, 200), { status: 200, body: 'version v2\n' });
    assert.match(s().output, new RegExp(`adopted ${APP} v\\d+`));
    assert.deepEqual(await ids(), before);
  });

  it('loses a node: its task is rescheduled on another node and requests keep succeeding', async function () {
    await ssh(['ps:scale', APP, 'web=2']);
    const before = await running();
    assert.equal(before.length, 2);
    const lost = c().nodes.find((n) => n !== c().manager && before.some((t) => t.node === n.name))!;
    const spare = c().nodes.find((n) => !before.some((t) => t.node === n.name))!;
    await c().crash(lost);
    let requests = 0;
    const failures: string[] = [];
    await eventually(async () => {
      const answer = await page();
      requests++;
      if (answer.status !== 200 || answer.body !== 'version v2\n') failures.push(`${answer.status} ${answer.body}`);
      const live = await running();
      return live.length === 2 && live.some((t) => t.node === spare.name) && !live.some((t) => t.node === lost.name) ? live : undefined;
    }, 200);
    assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed`);
    for (let i = 0; i < 6; i++) assert.deepEqual(await page(), { status: 200, body: 'version v2\n' });
  });

  it('run starts a one-off container of the current release with the app\'s config', async function () {
    assert.equal((await ssh(['run', APP, 'cat', '/www/index.html'])).stdout, 'version v2');
    assert.match((await ssh(['run', APP, 'env'])).stdout, /^GREETING=hello$/m);
  });

  it('releases:rollback v1 rolls the service back to the v1 image, served through the proxy', async function () {
    await ssh(['releases:rollback', APP, 'v1']);
    assert.deepEqual(await page(), { status: 200, body: 'version v1\n' });
    const live = await running();
    assert.equal(live.length, 2);
  });

  it('apps:destroy removes the services and the app\'s route', async function () {
    await ssh(['apps:destroy', APP, '--force']);
    const services = await c().docker(c().manager, ['service', 'ls', '--filter', `label=com.slipway.app=${APP}`, '--format', '{{.Name}}']);
    assert.equal(services.stdout.trim(), '');
    const answer = await page();
    assert.notEqual(answer.status, 200);
  });
});
