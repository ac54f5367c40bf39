// A Dockerfile app pushed over the real OpenSSH client to a real `slipway serve` using the
// docker-local scheduler (host networking) on a real engine: build, serve through the proxy,
// redeploy under load, a failing HEALTHCHECK, one-offs, logs, mounts, plugins, destroy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer, gitClientEnv, repoRoot, sshOptions } from '../helpers/server.js';
import { installPlugin } from '../helpers/fixtures.js';
import { BASE_IMAGE, ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { get, eventually, type Reply } from '../deploy/helpers.js';

const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'docker');
const APP = `dockerapp-${TEST_RUN}`.toLowerCase();
const HOST = `${APP}.localhost`;

interface Inspected { Name: string; Config: { Env: string[]; Labels: Record<string, string> }; HostConfig: { RestartPolicy: { Name: string; MaximumRetryCount: number }; LogConfig?: { Type: string; Config: Record<string, string> }; NetworkMode: string; Binds: string[] | null } }

describe('Dockerfile apps on docker-local (real server, ssh, git and Docker Engine)', function () {
  this.timeout(300_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;
  let work: string;
  let gitEnv: Record<string, string>;

  const engine = (): DockerClient => {
    if (docker === undefined) throw new Error('no engine');
    return docker;
  };
  const running = (): TestServer => {
    if (server === undefined) throw new Error('no server');
    return server;
  };
  const git = (args: string[]) => execa('git', args, { cwd: work, env: gitEnv, extendEnv: false, reject: false });
  const push = () => git(['push', `ssh://dokku@127.0.0.1:${running().sshPort}/${APP}`, 'main']);
  const commit = async (files: Record<string, string>, message: string): Promise<void> => {
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(work, name), content);
    for (const args of [['add', '-A'], ['commit', '-q', '-m', message]]) {
      const r = await git(args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
  };
  const page = (): Promise<Reply> => get(running().httpPort, HOST);
  const appContainers = async () => engine().listContainers({ [LABEL.app]: APP });
  /** After a restart the old container retires after DOKKU_WAIT_TO_RETIRE (1 s): then one document is left. */
  const onlyContainer = () => eventually(async () => {
    const docs = JSON.parse((await running().ssh(['ps:inspect', APP])).stdout) as Inspected[];
    return docs.length === 1 ? docs[0] : undefined;
  }, 200);

  before(async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    gitEnv = gitClientEnv(server.admin, home);
    work = path.join(server.dir, 'work');
    fs.cpSync(path.join(FIXTURES, 'web-app'), work, { recursive: true });
    const init = await git(['init', '-q', '-b', 'main']);
    assert.equal(init.exitCode, 0, init.stderr);
    await commit({}, 'v1');
  });

  after(async function () {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    // Whatever a failed test left behind: the app's own containers and images, then the base image.
    await docker.removeByLabels({ [LABEL.app]: APP });
    await docker.removeByLabels(testLabels());
  });

  it('announces docker-local as the default scheduler and reports builder and scheduler settings', async function () {
    assert.match(running().output, /scheduler: docker-local/);
    assert.equal((await running().ssh(['apps:create', APP])).code, 0);
    const set = await running().ssh(['builder:set', APP, 'selected', 'dockerfile']);
    assert.equal(set.code, 0, set.stderr);
    const report = await running().ssh(['builder:report', APP]);
    assert.match(report.stdout, new RegExp(`^=====> ${APP} builder information$`, 'm'));
    assert.match(report.stdout, /^ +Builder selected: +dockerfile$/m);
    assert.equal((await running().ssh(['builder:report', APP, '--builder-selected'])).stdout, 'dockerfile');
    const bad = await running().ssh(['builder:set', APP, 'selected', 'herokuish']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^ ! {5}Invalid builder 'herokuish'; available: dockerfile, native$/m);
    assert.equal((await running().ssh(['builder:set', APP, 'selected'])).code, 0, 'an empty value means detect');
    assert.equal((await running().ssh(['builder:report', APP, '--builder-selected'])).stdout, '');
    const scheduler = await running().ssh(['scheduler:report', APP]);
    assert.match(scheduler.stdout, /^ +Scheduler computed selected: +docker-local$/m);
    assert.match(scheduler.stdout, /^ +Scheduler default: +docker-local /m);
    assert.equal((await running().ssh(['scheduler:set', APP, 'selected', 'docker-local'])).code, 0);
    assert.equal((await running().ssh(['scheduler:report', APP, '--scheduler-selected'])).stdout, 'docker-local');
  });

  it('a push builds the Dockerfile (output as remote: lines) and the proxy serves the container', async function () {
    const config = await running().ssh(['config:set', '--no-restart', APP, 'GREETING=from-config', 'DOKKU_WAIT_TO_RETIRE=1']);
    assert.equal(config.code, 0, config.stderr);
    const pushed = await push();
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    assert.match(pushed.stderr, new RegExp(`^remote: -----> Building ${APP} with the dockerfile builder`, 'm'));
    assert.match(pushed.stderr, /^remote: {8}Step 1\/\d+ : FROM slipway\/busybox:latest/m);
    assert.match(pushed.stderr, /^remote: {8}greeting at build time: from-config/m, 'config reaches the build as build args');
    assert.deepEqual(await page(), { status: 200, body: 'version v1\n' });
    assert.deepEqual(await get(running().httpPort, HOST, '/greeting.txt'), { status: 200, body: 'from-config\n' });

    const images = (await engine().listImages({ [LABEL.app]: APP })).flatMap((i) => i.tags);
    assert.ok(images.includes(`dokku/${APP}:1`) && images.includes(`dokku/${APP}:latest`), images.join(', '));
    const containers = await appContainers();
    assert.deepEqual(containers.map((c) => [c.name, c.state]), [[`${APP}.web.1`, 'running']]);

    const inspect = await running().ssh(['ps:inspect', APP]);
    assert.equal(inspect.code, 0, inspect.stderr);
    const [doc] = JSON.parse(inspect.stdout) as Inspected[];
    assert.equal(doc?.Name, `/${APP}.web.1`);
    assert.deepEqual(doc?.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 10 });
    assert.equal(doc?.HostConfig.NetworkMode, 'host');
    assert.ok(doc?.Config.Env.includes('GREETING=from-config'), doc?.Config.Env.join(' '));
    assert.ok(doc?.Config.Env.some((e) => /^PORT=\d+$/.test(e)), doc?.Config.Env.join(' '));
    assert.equal(doc?.Config.Labels['com.slipway.managed'], 'true');
    assert.equal(doc?.Config.Labels[LABEL.process], 'web');
  });

  it('ps:set restart-policy and logs:set max-size reach the containers from the next start', async function () {
    for (const args of [['ps:set', APP, 'restart-policy', 'always'], ['logs:set', APP, 'max-size', '5m']]) {
      const r = await running().ssh(args);
      assert.equal(r.code, 0, r.stderr);
    }
    const restarted = await running().ssh(['ps:restart', APP]);
    assert.equal(restarted.code, 0, restarted.stderr);
    const doc = await onlyContainer();
    assert.deepEqual(doc.HostConfig.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
    assert.equal(doc.HostConfig.LogConfig?.Config['max-size'], '5m');
    for (const args of [['ps:set', APP, 'restart-policy'], ['logs:set', APP, 'max-size']]) assert.equal((await running().ssh(args)).code, 0);
  });

  it('a redeploy under a request loop drops no request', async function () {
    await commit({ 'www/index.html': 'version v2\n' }, 'v2');
    let stop = false;
    const answers: string[] = [];
    const failures: string[] = [];
    const loop = (async () => {
      while (!stop) {
        try {
          const reply = await page();
          if (reply.status === 200) answers.push(reply.body);
          else failures.push(`${reply.status} ${reply.body}`);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    })();
    const pushed = await push();
    // Keep asking until the new release answers, so the switch happens inside the loop.
    await eventually(async () => (answers.at(-1) === 'version v2\n' ? true : undefined));
    stop = true;
    await loop;
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    assert.deepEqual(failures, []);
    assert.ok(answers.includes('version v1\n') && answers.includes('version v2\n'), `answers: ${new Set(answers).size} distinct`);
    assert.ok(answers.every((a) => a === 'version v1\n' || a === 'version v2\n'));
    // The old container is retired after DOKKU_WAIT_TO_RETIRE: only v2's web.1 is left.
    const left = await eventually(async () => {
      const list = await appContainers();
      return list.length === 1 ? list : undefined;
    }, 250);
    assert.equal(left[0]?.labels[LABEL.release], '2');
  });

  it('a push whose HEALTHCHECK fails is refused and the old container keeps serving', async function () {
    const dockerfile = fs.readFileSync(path.join(work, 'Dockerfile'), 'utf8')
      .replace(/^HEALTHCHECK .*$/m, 'HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD wget -q -O /dev/null http://127.0.0.1:$PORT/missing || exit 1');
    await commit({ Dockerfile: dockerfile, 'www/index.html': 'version v3\n' }, 'v3 with a failing healthcheck');
    const pushed = await push();
    assert.notEqual(pushed.exitCode, 0);
    assert.match(pushed.stderr, /^remote:  ! {5}web\.1 is unhealthy \(Docker HEALTHCHECK\)/m);
    assert.match(pushed.stderr, /\[remote rejected\] main -> main/);
    assert.deepEqual(await page(), { status: 200, body: 'version v2\n' });
    const list = await appContainers();
    assert.deepEqual(list.map((c) => c.labels[LABEL.release]), ['2'], 'the failed generation left no container');
    // logs:failed still shows what the failed container wrote (httpd -vv logged the check's requests), raw.
    const failed = await running().ssh(['logs:failed', APP]);
    assert.equal(failed.code, 0, failed.stderr);
    assert.equal(failed.stdout.split('\n')[0], `=====> ${APP} failed deploy logs`);
    assert.match(failed.stdout, /^\S.*url:\/missing/m);
    assert.doesNotMatch(failed.stdout, /app\[web\.1\]/);
    await git(['reset', '-q', '--hard', 'HEAD~1']);
  });

  it('a push whose Dockerfile fails to build is refused with the failing step (a LABEL step follows each FROM)', async function () {
    await commit({ Dockerfile: 'FROM slipway/busybox:latest\nRUN echo about to fail && exit 7\n' }, 'broken build');
    const pushed = await push();
    assert.notEqual(pushed.exitCode, 0);
    assert.match(pushed.stderr, /^remote: {8}about to fail\s*$/m);
    assert.match(pushed.stderr, /^remote:  ! {5}image build failed at Step 3\/\d+ : RUN echo about to fail && exit 7: .*non-zero code: 7/m);
    assert.deepEqual(await page(), { status: 200, body: 'version v2\n' });
    await git(['reset', '-q', '--hard', 'HEAD~1']);
  });

  it('runs one-off commands in a container that is removed afterwards, and shows its logs', async function () {
    const run = await running().ssh(['run', APP, 'cat', '/www/index.html']);
    assert.deepEqual([run.code, run.stdout], [0, 'version v2'], run.stderr);
    const env = await running().ssh(['run', APP, 'echo', '$GREETING:$DYNO']);
    assert.match(env.stdout, /^from-config:run\.[0-9a-f]+$/);
    const failing = await running().ssh(['run', APP, 'exit 42']);
    assert.equal(failing.code, 42);
    assert.deepEqual(await engine().listContainers({ [LABEL.app]: APP, [LABEL.oneOff]: 'true' }), []);

    await get(running().httpPort, HOST, '/seen-in-logs');
    const logs = await eventually(async () => {
      const r = await running().ssh(['logs', APP, '-n', '50']);
      return r.stdout.includes('url:/seen-in-logs') ? r : undefined;
    }, 250);
    assert.equal(logs.code, 0);
    assert.match(logs.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z app\[web\.1\]: /m);

    // logs -t follows the container's log until the client goes away.
    const follow = execa('ssh', [...sshOptions(running().sshPort, running().admin), '--', 'dokku@127.0.0.1', 'logs', APP, '-t', '-n', '0'], { reject: false });
    let followed = '';
    follow.stdout?.on('data', (chunk: Buffer) => { followed += chunk.toString(); });
    let n = 0;
    await eventually(async () => {
      await get(running().httpPort, HOST, `/followed-${++n}`);
      return followed.includes('url:/followed-') ? true : undefined;
    }, 250);
    follow.kill('SIGTERM');
    await follow;
    assert.doesNotMatch(followed, /seen-in-logs/, '-n 0 shows no history');
    assert.match(followed, /^\S+ app\[web\.1\]: \S+ url:\/followed-\d+$/m);
  });

  it('storage:mount binds a host directory on the next restart; storage:list and unmount', async function () {
    const shared = path.join(running().dir, 'shared');
    fs.mkdirSync(shared);
    fs.writeFileSync(path.join(shared, 'note.txt'), 'mounted from the host\n');
    const mount = await running().ssh(['storage:mount', APP, `${shared}:/data:ro`]);
    assert.equal(mount.code, 0, mount.stderr);
    const again = await running().ssh(['storage:mount', APP, `${shared}:/data:ro`]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Mount path already exists\./);
    assert.equal((await running().ssh(['storage:mount', APP, 'relative:/data'])).code, 1);
    assert.equal((await running().ssh(['storage:list', APP])).stdout, `-----> ${APP} volume bind-mounts:\n       ${shared}:/data:ro`);
    assert.equal((await running().ssh(['--quiet', 'storage:list', APP])).stdout, `${shared}:/data:ro`);
    assert.equal((await running().ssh(['ps:restart', APP])).code, 0);
    const doc = await onlyContainer();
    assert.deepEqual(doc?.HostConfig.Binds, [`${shared}:/data:ro`]);
    assert.equal((await running().ssh(['run', APP, 'cat', '/data/note.txt'])).stdout, 'mounted from the host');
    assert.equal((await running().ssh(['storage:unmount', APP, `${shared}:/data:ro`])).code, 0);
    assert.equal((await running().ssh(['storage:list', APP, '--format', 'json'])).stdout, '[]');
  });

  it('get_image_id in a bash plugin prints the id, or stops the plugin with its message', async function () {
    const source = path.join(FIXTURES, 'plugins', 'image-probe');
    installPlugin(running().home, 'image-probe', Object.fromEntries(fs.readdirSync(source).map((f) => [f, fs.readFileSync(path.join(source, f), 'utf8')])));
    const base = await engine().findImage(BASE_IMAGE);
    const found = await running().ssh(['image-probe:id', BASE_IMAGE]);
    assert.deepEqual([found.code, found.stdout], [0, `id=${base.id}\nafter the lookup`], found.stderr);
    const missing = await running().ssh(['image-probe:id', 'slipway/no-such-image:latest']);
    assert.notEqual(missing.code, 0);
    assert.equal(missing.stdout, '', 'the script stopped at the failed lookup');
    assert.equal(missing.stderr, " !     slipway/no-such-image:latest image not found... Did you run 'dokku plugin:install'?");
    const local = await running().dokku(['docker:image-id', BASE_IMAGE]);
    assert.deepEqual([local.code, local.stdout], [0, base.id], local.stderr);
  });

  it('apps:destroy removes the app\'s containers, images and volumes, and nothing else', async function () {
    const volume = `${APP}-vol`;
    assert.equal((await running().ssh(['storage:mount', APP, `${volume}:/cache`])).code, 0);
    assert.equal((await running().ssh(['ps:restart', APP])).code, 0);
    assert.deepEqual((await engine().listVolumes({ [LABEL.app]: APP })).map((v) => v.name), [volume]);
    const destroyed = await running().ssh(['apps:destroy', APP, '--force']);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.deepEqual(await engine().listContainers({ [LABEL.app]: APP }), []);
    assert.deepEqual(await engine().listImages({ [LABEL.app]: APP }), []);
    assert.deepEqual(await engine().listVolumes({ [LABEL.app]: APP }), []);
    assert.equal(await engine().hasImage(BASE_IMAGE), true, 'the base image is not the app\'s');
    assert.equal((await get(running().httpPort, HOST)).status, 404);
  });
});
