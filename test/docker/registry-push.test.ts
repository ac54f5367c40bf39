// registry:set push-on-release on docker-local (real server, OpenSSH, git, Docker Engine and Debian's
// docker-registry on a loopback port): a push of a Dockerfile app lands SERVER/dokku/APP:N (Dokku's
// push counter) and the push-extra-tags in the registry, false pushes nothing, a registry that is down
// fails the deploy with one line while the old release serves, image-repo-template names the
// repository, registry:login fires post-registry-login. The process scheduler warns: no image to push;
// there a fixture plugin asks the registry triggers (deployed-app-*) with plugn trigger. On docker-local
// the same plugin calls common/functions' image helpers, which answer the running release's local image.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer, repoRoot } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, freeLoopbackPort, getLoopback, testLabels } from '../helpers/docker.js';
import { skipSuite } from '../helpers/swarm-skip.js';
import { get } from '../deploy/helpers.js';
import { makePluginRepo } from '../plugins/helpers.js';

const APP = `regpush-${TEST_RUN}`.toLowerCase();
const HOST = `${APP}.localhost`;
const WEB_APP = path.join(repoRoot, 'test', 'fixtures', 'docker', 'web-app');

/** Debian's docker-registry on 127.0.0.1:port with its storage under dir; resolves once /v2/ answers. */
async function startRegistry(dir: string, port: number): Promise<ChildProcess> {
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, [
    'version: 0.1',
    'log:', '  level: warn',
    'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`,
    'http:', `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n'));
  const logFd = fs.openSync(path.join(dir, 'registry.log'), 'a');
  const registry = spawn('docker-registry', ['serve', config], { stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await getLoopback(port, '/v2/').catch(() => undefined);
    if (answer?.status === 200) return registry;
    if (registry.exitCode !== null) throw new Error(`docker-registry exited: ${fs.readFileSync(path.join(dir, 'registry.log'), 'utf8')}`);
    if (Date.now() > deadline) throw new Error('docker-registry did not answer within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stop the registry this test started (by its pid) and wait for it to exit. */
async function stopRegistry(registry: ChildProcess | undefined): Promise<void> {
  if (registry === undefined || registry.exitCode !== null || registry.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => registry.once('exit', () => resolve()));
  registry.kill('SIGTERM');
  const force = setTimeout(() => registry.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(force);
}

describe('registry push-on-release on docker-local (real server, ssh, git, Docker Engine, docker-registry)', function () {
  this.timeout(300_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;
  let registry: ChildProcess | undefined;
  let registryDir: string;
  let port = 0;
  let app: AppWork;

  const running = (): TestServer => {
    if (server === undefined) throw new Error('no server');
    return server;
  };
  const ssh = async (args: string[]) => {
    const r = await running().ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const tags = async (repo = `dokku/${APP}`): Promise<string[]> => {
    const answer = await getLoopback(port, `/v2/${repo}/tags/list`);
    if (answer.status === 404) return [];
    assert.equal(answer.status, 200, answer.body);
    return ((JSON.parse(answer.body) as { tags: string[] | null }).tags ?? []).sort();
  };
  const commit = async (files: Record<string, string>, message: string): Promise<void> => {
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(app.work, name), content);
    for (const args of [['add', '-A'], ['commit', '-q', '-m', message]]) {
      const r = await app.git(args);
      assert.equal(r.exitCode, 0, String(r.stderr));
    }
  };
  const page = async () => (await get(running().httpPort, HOST)).body;
  const registryTagsOnEngine = async () => (await engine().allImages()).flatMap((i) => i.tags).filter((t) => t.startsWith(`127.0.0.1:${port}/`));
  const engine = (): DockerClient => {
    if (docker === undefined) throw new Error('no engine');
    return docker;
  };

  before(async function () {
    docker = await dockerOrSkip(this);
    if ((await execa('sh', ['-c', 'command -v docker-registry'], { reject: false })).exitCode !== 0) {
      skipSuite(this, 'docker-registry is not installed (apt-get install -y docker-registry)');
    }
    await ensureBaseImage(docker, testLabels());
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
    port = await freeLoopbackPort();
    registryDir = path.join(server.dir, 'registry');
    registry = await startRegistry(registryDir, port);
    await ssh(['apps:create', APP]);
    await ssh(['builder:set', APP, 'selected', 'dockerfile']);
    await ssh(['config:set', '--no-restart', APP, 'DOKKU_WAIT_TO_RETIRE=1']);
    app = await appWork(running(), { fixture: null, files: {
      Dockerfile: fs.readFileSync(path.join(WEB_APP, 'Dockerfile'), 'utf8'),
      'www/index.html': 'version v1\n',
    } });
  });

  after(async function () {
    await server?.stop();
    await stopRegistry(registry);
    if (docker === undefined || !(await docker.ping())) return;
    await docker.removeByLabels({ [LABEL.app]: APP });
    await docker.removeByLabels(testLabels());
  });

  it('push-on-release true: a git push lands dokku/APP:N (Dokku\'s counter) and the push-extra-tags in the registry', async function () {
    await ssh(['registry:set', APP, 'server', `127.0.0.1:${port}`]);
    await ssh(['registry:set', APP, 'push-on-release', 'true']);
    await ssh(['registry:set', APP, 'push-extra-tags', 'latest,stable']);
    const pushed = await app.push(APP);
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
    const stderr = String(pushed.stderr);
    assert.match(stderr, /^remote: -----> Pushing image to registry\s*$/m);
    assert.match(stderr, /^remote: {8}Bumping tag to 1\s*$/m);
    for (const tag of ['latest', 'stable', '1']) {
      assert.match(stderr, new RegExp(`^remote: {8}Pushing 127\\.0\\.0\\.1:${port}/dokku/${APP}:${tag}\\s*$`, 'm'));
    }
    assert.match(stderr, new RegExp(`^remote: {8}Image 127\\.0\\.0\\.1:${port}/dokku/${APP}:1 pushed\\s*$`, 'm'));
    // The push comes before the release starts.
    assert.ok(stderr.indexOf('Pushing image to registry') < stderr.indexOf(`Starting ${APP} v1`), stderr);
    assert.deepEqual(await tags(), ['1', 'latest', 'stable']);
    assert.equal(await page(), 'version v1\n');
    assert.equal((await ssh(['registry:report', APP, '--registry-tag-version'])).stdout, '1');
    assert.equal((await ssh(['registry:report', APP, '--registry-computed-push-extra-tags'])).stdout, 'latest,stable');
    assert.deepEqual(await registryTagsOnEngine(), [], 'the registry-format tags are dropped from the engine once pushed');
    const images = (await engine().listImages({ [LABEL.app]: APP })).flatMap((i) => i.tags);
    assert.ok(images.includes(`dokku/${APP}:1`), images.join(', '));
  });

  it('push-on-release false: the deploy pushes nothing', async function () {
    await ssh(['registry:set', APP, 'push-on-release', 'false']);
    await commit({ 'www/index.html': 'version v2\n' }, 'v2');
    const pushed = await app.push(APP);
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
    assert.doesNotMatch(String(pushed.stderr), /Pushing image to registry/);
    assert.equal(await page(), 'version v2\n');
    assert.deepEqual(await tags(), ['1', 'latest', 'stable']);
    assert.equal((await ssh(['registry:report', APP, '--registry-tag-version'])).stdout, '1');
  });

  it('a registry that is down fails the push with one line; the old release keeps serving', async function () {
    await ssh(['registry:set', APP, 'push-on-release', 'true']);
    await ssh(['registry:set', APP, 'push-extra-tags']);
    await stopRegistry(registry);
    await commit({ 'www/index.html': 'version v3\n' }, 'v3');
    const pushed = await app.push(APP);
    const stderr = String(pushed.stderr);
    assert.notEqual(pushed.exitCode, 0, stderr);
    const errors = stderr.split('\n').filter((line) => line.startsWith('remote:  !'));
    assert.equal(errors.length, 1, stderr);
    // Dokku bumps the counter before it pushes: the failed push used up 2.
    assert.match(errors[0], new RegExp(`^remote:  ! {5}Pushing 127\\.0\\.0\\.1:${port}/dokku/${APP}:2 to the registry failed: \\S`));
    assert.match(stderr, /\[remote rejected\] main -> main/);
    assert.doesNotMatch(stderr, new RegExp(`Starting ${APP} v3`), 'the release never started');
    assert.equal(await page(), 'version v2\n');
    assert.deepEqual(await registryTagsOnEngine(), []);
    assert.equal((await ssh(['registry:report', APP, '--registry-tag-version'])).stdout, '2');

    // Back up: the next push lands (the same storage, so the earlier tags are still there).
    registry = await startRegistry(registryDir, port);
    const again = await app.push(APP);
    assert.equal(again.exitCode, 0, String(again.stderr));
    assert.equal(await page(), 'version v3\n');
    assert.deepEqual(await tags(), ['1', '3', 'latest', 'stable']);
    assert.equal((await ssh(['registry:report', APP, '--registry-tag-version'])).stdout, '3');
  });

  it('image-repo-template (a Go template with .AppName) names the repository pushed to', async function () {
    // Over ssh the command line is split into words: a value with spaces is quoted, as with Dokku.
    await ssh(['registry:set', '--global', 'image-repo-template', "'team/{{ .AppName }}-img'"]);
    assert.equal((await ssh(['registry:report', APP, '--registry-computed-image-repo'])).stdout, `team/${APP}-img`);
    await commit({ 'www/index.html': 'version v5\n' }, 'v5');
    const pushed = await app.push(APP);
    const stderr = String(pushed.stderr);
    assert.equal(pushed.exitCode, 0, stderr);
    assert.match(stderr, new RegExp(`^remote: {8}Image 127\\.0\\.0\\.1:${port}/team/${APP}-img:4 pushed\\s*$`, 'm'));
    assert.deepEqual(await tags(`team/${APP}-img`), ['4']);
    assert.equal(await page(), 'version v5\n');
    // The app's own image-repo wins over the template.
    await ssh(['registry:set', APP, 'image-repo', 'own/name']);
    assert.equal((await ssh(['registry:report', APP, '--registry-computed-image-repo'])).stdout, 'own/name');
    await ssh(['registry:set', APP, 'image-repo']);
    await ssh(['registry:set', '--global', 'image-repo-template']);
  });

  it('registry:login fires post-registry-login with the server, the user and DOCKER_REGISTRY_PASS; registry:logout as Dokku', async function () {
    const repo = await makePluginRepo(path.join(running().dir, 'repos', 'dokku-registry-probe'), 'dokku-registry-probe');
    await ssh(['plugin:install', `file://${repo}`, '--name', 'registry-probe']);
    const login = await running().ssh(['registry:login', '--password-stdin', APP, `127.0.0.1:${port}`, 'tester'], { input: 'secret\n' });
    assert.equal(login.code, 0, login.stderr);
    // Dokku's words, as a warning on stderr; nothing on stdout.
    assert.match(login.stderr, new RegExp(`^ ! {5}Login Succeeded for ${APP}$`, 'm'));
    assert.equal(login.stdout, '');
    const recorded = fs.readFileSync(path.join(running().home, 'lib', 'registry-logins'), 'utf8');
    assert.equal(recorded, `server=127.0.0.1:${port} user=tester pass=secret args=2\n`);
    const ask = await ssh(['registry-probe:ask', APP]);
    assert.equal(ask.stdout, [
      `deployed-app-repository=127.0.0.1:${port}/ exit=0`, `deployed-app-image-repo=dokku/${APP} exit=0`, 'deployed-app-image-tag=4 exit=0',
    ].join('\n'));
    // The helpers of common/functions: 127.0.0.1:PORT/dokku/APP:4 is not on the engine (Slipway drops
    // the registry-format tags once pushed), so they answer the running release's local image.
    const inspect = async (ref: string) => (await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], { reject: false })).stdout.trim();
    const helpers = await ssh(['registry-probe:image', APP]);
    const [, tag] = /^tag=(\S+)$/m.exec(helpers.stdout) ?? [];
    const [, image] = /^image=(\S+)$/m.exec(helpers.stdout) ?? [];
    assert.match(tag ?? '', /^\d+$/, helpers.stdout);
    assert.equal(image, `dokku/${APP}:${tag}`, helpers.stdout);
    const deployedId = await inspect(`dokku/${APP}:latest`);
    assert.notEqual(deployedId, '');
    assert.equal(await inspect(image), deployedId, 'the printed image exists and is the deployed release\'s');
    // An image that is on the engine under Dokku's registry-format name is the one answered.
    await engine().tagImage(`dokku/${APP}:latest`, `127.0.0.1:${port}/dokku/${APP}:4`);
    try {
      const dokkuNames = await ssh(['registry-probe:image', APP]);
      assert.equal(dokkuNames.stdout, `tag=4\nimage=127.0.0.1:${port}/dokku/${APP}:4`);
    } finally {
      await engine().removeImage(`127.0.0.1:${port}/dokku/${APP}:4`);
    }

    const missing = await running().ssh(['registry:login', '--global', `127.0.0.1:${port}`, 'tester']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^ ! {5}Missing password argument$/m);
    const logout = await running().ssh(['registry:logout', APP, `127.0.0.1:${port}`]);
    assert.equal(logout.code, 0, logout.stderr);
    assert.equal(logout.stdout + logout.stderr, '', 'Dokku prints nothing once logged out');
    const again = await running().ssh(['registry:logout', APP, `127.0.0.1:${port}`]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`^ ! {5}No registry credentials found for app ${APP}$`, 'm'));
  });
});

describe('registry push-on-release on the process scheduler (real server, ssh, git)', function () {
  this.timeout(120_000);
  let server: TestServer | undefined;
  const PROCESS_APP = `regproc-${TEST_RUN}`.toLowerCase();

  const running = (): TestServer => {
    if (server === undefined) throw new Error('no server');
    return server;
  };

  before(async () => {
    server = await TestServer.start();
  });

  after(async () => {
    await server?.stop();
  });

  it('registry:set push-extra-tags is validated and reported (app and --global)', async function () {
    assert.equal((await running().ssh(['apps:create', PROCESS_APP])).code, 0);
    const set = await running().ssh(['registry:set', PROCESS_APP, 'push-extra-tags', 'latest,edge']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^=====> Setting push-extra-tags to latest,edge$/m);
    const bad = await running().ssh(['registry:set', PROCESS_APP, 'push-extra-tags', 'ok,bad/tag']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^ ! {5}Invalid push-extra-tags value ok,bad\/tag: image tags separated by commas$/m);
    assert.equal((await running().ssh(['registry:set', '--global', 'push-extra-tags', 'shared'])).code, 0);
    const report = await running().ssh(['registry:report', PROCESS_APP]);
    assert.match(report.stdout, /^ +Registry push extra tags: +latest,edge$/m);
    assert.match(report.stdout, /^ +Registry global push extra tags: +shared$/m);
    assert.match(report.stdout, /^ +Registry computed push extra tags: +latest,edge$/m);
    assert.match(report.stdout, /^ +Registry tag version: *$/m);
    assert.equal((await running().ssh(['registry:set', PROCESS_APP, 'push-extra-tags'])).code, 0);
    assert.equal((await running().ssh(['registry:report', PROCESS_APP, '--registry-computed-push-extra-tags'])).stdout, 'shared');
    const global = await running().ssh(['registry:report', '--global']);
    assert.match(global.stdout, /^ +Registry global push extra tags: +shared$/m);
    // Dokku's common.CommandPropertySet words for a wrong property or scope.
    const unknown = await running().ssh(['registry:set', PROCESS_APP, 'colour', 'blue']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^ ! {5}Invalid property specified, valid properties include: image-repo, image-repo-template, push-extra-tags, push-on-release, server$/m);
    const globalRepo = await running().ssh(['registry:set', '--global', 'image-repo', 'team/x']);
    assert.equal(globalRepo.code, 1);
    assert.match(globalRepo.stderr, /^ ! {5}Property cannot be specified globally$/m);
    const unset = await running().ssh(['registry:set', '--global', 'push-extra-tags']);
    assert.match(unset.stdout, /^=====> Unsetting push-extra-tags$/m);
    assert.equal((await running().ssh(['registry:set', '--global', 'push-extra-tags', 'shared'])).code, 0);
  });

  it('image-repo-template: validated when set, rendered with .AppName, reported (app and --global), answered to plugins', async function () {
    const bad = await running().ssh(['registry:set', PROCESS_APP, 'image-repo-template', 'x/{{.AppName']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^ ! {5}Unable to parse image-repo-template: template: image-repo-template:1: /m);
    const set = await running().ssh(['registry:set', '--global', 'image-repo-template', 'org/{{.AppName}}']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^=====> Setting image-repo-template to org\/\{\{\.AppName\}\}$/m);
    const report = await running().ssh(['registry:report', PROCESS_APP]);
    assert.match(report.stdout, new RegExp(`^ +Registry computed image repo: +org/${PROCESS_APP}$`, 'm'));
    assert.match(report.stdout, /^ +Registry global image repo template: +org\/\{\{\.AppName\}\}$/m);
    assert.match(report.stdout, /^ +Registry computed image repo template: +org\/\{\{\.AppName\}\}$/m);
    assert.match(report.stdout, /^ +Registry image repo template: *$/m);
    assert.equal((await running().ssh(['registry:set', PROCESS_APP, 'image-repo-template', 'mine/{{.AppName}}-x'])).code, 0);
    assert.equal((await running().ssh(['registry:report', PROCESS_APP, '--registry-computed-image-repo'])).stdout, `mine/${PROCESS_APP}-x`);
    const global = await running().ssh(['registry:report', '--global']);
    assert.match(global.stdout, /^ +Registry computed image repo template: +org\/\{\{\.AppName\}\}$/m);
    assert.match(global.stdout, /^ +Registry computed push on release: +false$/m);

    // A plugin asks with plugn trigger, as Dokku's schedulers do.
    const repo = await makePluginRepo(path.join(running().dir, 'repos', 'dokku-registry-probe'), 'dokku-registry-probe');
    assert.equal((await running().ssh(['plugin:install', `file://${repo}`, '--name', 'registry-probe'])).code, 0);
    assert.equal((await running().ssh(['registry:set', '--global', 'server', 'docker.io'])).code, 0);
    const ask = await running().ssh(['registry-probe:ask', PROCESS_APP]);
    assert.equal(ask.code, 0, ask.stderr);
    // Docker Hub: no server part; push-on-release false: no tag.
    assert.equal(ask.stdout, ['deployed-app-repository= exit=0', `deployed-app-image-repo=mine/${PROCESS_APP}-x exit=0`, 'deployed-app-image-tag= exit=0'].join('\n'));
    assert.equal((await running().ssh(['registry:set', '--global', 'server'])).code, 0);
    // A template that parses but fails to run: the trigger fails with Dokku's words, the report falls back.
    assert.equal((await running().ssh(['registry:set', PROCESS_APP, 'image-repo-template', "'x/{{index .AppName 99}}'"])).code, 0);
    const failing = await running().ssh(['registry-probe:ask', PROCESS_APP]);
    assert.match(failing.stdout, /^deployed-app-image-repo= exit=1$/m);
    assert.match(failing.stderr, /^ ! {5}Unable to determine image repo from template: template: image-repo-template:1:\d+: executing /m);
    assert.equal((await running().ssh(['registry:report', PROCESS_APP, '--registry-computed-image-repo'])).stdout, `dokku/${PROCESS_APP}`);
    assert.equal((await running().ssh(['registry:set', PROCESS_APP, 'image-repo-template'])).code, 0);
    assert.equal((await running().ssh(['registry:set', '--global', 'image-repo-template'])).code, 0);
  });

  it('push-on-release true on a release without an image: one warning, the deploy goes on', async function () {
    assert.equal((await running().ssh(['registry:set', PROCESS_APP, 'push-on-release', 'true'])).code, 0);
    const work = await appWork(running());
    const pushed = await work.push(PROCESS_APP);
    const stderr = String(pushed.stderr);
    assert.equal(pushed.exitCode, 0, stderr);
    const warnings = stderr.split('\n').filter((line) => line.includes('push-on-release'));
    assert.equal(warnings.length, 1, stderr);
    assert.match(warnings[0], new RegExp(`^remote:  ! {5}push-on-release is true for ${PROCESS_APP}, but v1 was not built as an image .*nothing was pushed to a registry\\s*$`));
    assert.doesNotMatch(stderr, /Pushing image to registry/);
  });
});
