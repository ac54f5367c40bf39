// 10.6: Dockerfile apps on an engine without the default bridge (dockerd --bridge=none), with the
// server left on its default SLIPWAY_DOCKER_NETWORK=bridge: real server, ssh, git pushes, engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer, gitClientEnv, repoRoot } from '../helpers/server.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { get } from '../deploy/helpers.js';

const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'docker');
const WEB = `nobridge-${TEST_RUN}`.toLowerCase();
const CRASH = `nobridge-crash-${TEST_RUN}`.toLowerCase();
const SILENT = `nobridge-silent-${TEST_RUN}`.toLowerCase();
const APPS = [WEB, CRASH, SILENT];

describe('10.6: Docker without a bridge network (real server, ssh, git and Docker Engine)', function () {
  this.timeout(180_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;
  let gitEnv: Record<string, string>;

  const running = (): TestServer => {
    if (server === undefined) throw new Error('no server');
    return server;
  };

  /** A fresh work tree holding `files`, committed on main, pushed to `app`. */
  const pushTree = async (app: string, files: Record<string, string>, from?: string) => {
    const work = path.join(running().dir, `work-${app}`);
    if (from !== undefined) fs.cpSync(from, work, { recursive: true });
    else fs.mkdirSync(work);
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(work, name), content);
    const git = (args: string[]) => execa('git', args, { cwd: work, env: gitEnv, extendEnv: false, reject: false });
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'v1']]) {
      const r = await git(args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    return git(['push', `ssh://dokku@127.0.0.1:${running().sshPort}/${app}`, 'main']);
  };

  before(async function () {
    docker = await dockerOrSkip(this);
    if (await docker.hasNetwork('bridge')) {
      const reason = 'the engine has a bridge network; these tests need one started with --bridge=none (.ci/docker.sh)';
      (this.test?.parent as (Mocha.Suite & { skipReason?: string }) | undefined)!.skipReason = reason;
      this.skip();
    }
    await ensureBaseImage(docker, testLabels());
    // SLIPWAY_DOCKER_NETWORK is left unset: the default, bridge, is what a fresh install runs with.
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: '' } });
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    gitEnv = gitClientEnv(server.admin, home);
  });

  after(async function () {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    for (const app of APPS) await docker.removeByLabels({ [LABEL.app]: app });
    await docker.removeByLabels(testLabels());
  });

  it('10.6: a Dockerfile deploy chooses host networking with one warning line, and serves', async function () {
    const pushed = await pushTree(WEB, {}, path.join(FIXTURES, 'web-app'));
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    const warnings = pushed.stderr.split('\n').filter((l) => /no bridge network/.test(l));
    assert.equal(warnings.length, 1, pushed.stderr);
    assert.match(warnings[0] ?? '', /^remote:  ! {5}The Docker engine at \S+ has no bridge network: using host networking/);
    assert.deepEqual(await get(running().httpPort, `${WEB}.localhost`), { status: 200, body: 'version v1\n' });
    const [doc] = JSON.parse((await running().ssh(['ps:inspect', WEB])).stdout) as Array<{ HostConfig: { NetworkMode: string } }>;
    assert.equal(doc?.HostConfig.NetworkMode, 'host');
  });

  it('10.6: a first deploy whose container crashes prints its last 20 output lines and keeps the app', async function () {
    const pushed = await pushTree(CRASH, {
      Dockerfile: 'FROM slipway/busybox:latest\nCMD for i in $(seq 1 30); do echo crash-line-$i; done; exit 3\n',
    });
    assert.notEqual(pushed.exitCode, 0);
    assert.match(pushed.stderr, /^remote:  ! {5}web\.1 exited( with code 3)? before it accepted connections/m);
    // Docker restarts the container (on-failure): the last 20 lines may span two runs.
    const shown = /^remote: -----> Last 20 output lines of web\.1: *\n((?:remote: {8}.*\n)*)/m.exec(pushed.stderr);
    assert.ok(shown, pushed.stderr);
    const lines = (shown[1] ?? '').trimEnd().split('\n').map((l) => l.replace(/^remote: {8}/, '').trim());
    assert.equal(lines.length, 20, lines.join('|'));
    assert.ok(lines.every((l) => /^crash-line-\d+$/.test(l)), lines.join('|'));
    assert.ok(lines.includes('crash-line-30'), lines.join('|'));
    assert.match((await running().ssh(['apps:list'])).stdout, new RegExp(`^${CRASH}$`, 'm'), 'the app stays');
    const releases = await running().ssh(['releases', CRASH]);
    assert.equal(releases.code, 0, releases.stderr);
    assert.match(releases.stdout, /^ +v1 .* failed$/m);
  });

  it('10.6: a container that never listens fails after SLIPWAY_START_TIMEOUT with its last output', async function () {
    assert.equal((await running().ssh(['apps:create', SILENT])).code, 0);
    assert.equal((await running().ssh(['config:set', '--no-restart', SILENT, 'SLIPWAY_START_TIMEOUT=2'])).code, 0);
    const pushed = await pushTree(SILENT, { Dockerfile: 'FROM slipway/busybox:latest\nCMD echo listening-nowhere; exec sleep 600\n' });
    assert.notEqual(pushed.exitCode, 0);
    assert.match(pushed.stderr, /^remote:  ! {5}web\.1 did not accept connections on port \d+ within 2s/m);
    assert.match(pushed.stderr, /^remote: -----> Last 1 output line of web\.1: *\n^remote: {8}listening-nowhere *$/m);
    assert.deepEqual(await docker!.listContainers({ [LABEL.app]: SILENT }), [], 'the failed container is gone');
  });
});
