// docker-options on a real engine (docker-local, host networking) over real ssh and git: a
// build-phase --build-arg reaches the Dockerfile build, deploy-phase -e/--label/--add-host reach
// the running container, and run-phase -e/-w reach a one-off `run` container (and deploy's do not).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer, gitClientEnv, repoRoot } from '../helpers/server.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { get } from '../deploy/helpers.js';

const APP = `optsapp-${TEST_RUN}`.toLowerCase();
const HOST = `${APP}.localhost`;

interface Inspected { Config: { Env: string[]; Labels: Record<string, string> }; HostConfig: { ExtraHosts: string[] | null } }

describe('docker-options reach builds, app containers and one-off containers (real Docker Engine)', function () {
  this.timeout(300_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;
  let work: string;
  let gitEnv: Record<string, string>;

  const running = (): TestServer => {
    if (server === undefined) throw new Error('no server');
    return server;
  };
  const git = (args: string[]) => execa('git', args, { cwd: work, env: gitEnv, extendEnv: false, reject: false });
  const ssh = async (args: string[]) => {
    const r = await running().ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    gitEnv = gitClientEnv(server.admin, home);
    work = path.join(server.dir, 'work');
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'docker', 'web-app'), work, { recursive: true });
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'v1']]) {
      const r = await git(args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
  });

  after(async function () {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    await docker.removeByLabels({ [LABEL.app]: APP });
    await docker.removeByLabels(testLabels());
  });

  it('options of each phase are applied where that phase runs', async function () {
    await ssh(['apps:create', APP]);
    await ssh(['builder:set', APP, 'selected', 'dockerfile']);
    await ssh(['docker-options:add', APP, 'build', '--build-arg GREETING=from-build-option']);
    await ssh(['docker-options:add', APP, 'deploy', '-e FOO=deploy-phase --label com.example.phase=deploy --add-host opts-db:127.0.0.1']);
    await ssh(['docker-options:add', APP, 'run', '-e FOO=run-phase -w /www']);

    const pushed = await git(['push', `ssh://dokku@127.0.0.1:${running().sshPort}/${APP}`, 'main']);
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    assert.match(pushed.stderr, /^remote: {8}greeting at build time: from-build-option/m, 'the build-phase --build-arg reached the build');
    assert.deepEqual(await get(running().httpPort, HOST, '/greeting.txt'), { status: 200, body: 'from-build-option\n' });

    const [doc] = JSON.parse((await ssh(['ps:inspect', APP])).stdout) as Inspected[];
    assert.ok(doc?.Config.Env.includes('FOO=deploy-phase'), doc?.Config.Env.join(' '));
    assert.equal(doc?.Config.Labels['com.example.phase'], 'deploy');
    assert.equal(doc?.Config.Labels[LABEL.app], APP, 'Slipway\'s own labels are kept');
    assert.deepEqual(doc?.HostConfig.ExtraHosts, ['opts-db:127.0.0.1']);
    assert.ok(doc?.Config.Env.some((e) => /^PORT=\d+$/.test(e)), 'PORT is still Slipway\'s');

    const run = await ssh(['run', APP, 'echo', '$FOO:$(pwd)']);
    assert.equal(run.stdout, 'run-phase:/www', 'run-phase -e and -w reached the one-off container, not deploy\'s');
    const hosts = await ssh(['run', APP, 'cat', '/etc/hosts']);
    assert.doesNotMatch(hosts.stdout, /opts-db/, 'deploy-phase options stay out of run');
  });
});
