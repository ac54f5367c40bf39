// Issue 12.7: a service plugin built the way Dokku's postgres and redis plugins are (fixture
// dokku-svc: sources core functions and property-functions, reads its images from dokkurc, calls
// `dokku docker-options:add` and `config:set` on link, answers pre-start, post-app-rename-setup and
// pre-delete) against real PostgreSQL and Redis containers on a real engine, with a Dockerfile app
// pushed over real git: create, link, a deploy that sees DATABASE_URL/REDIS_URL, connect, a stopped
// service restarted by pre-start, rename, unlink, destroy. Images: test/helpers/service-images.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_LABEL, TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { POSTGRES_IMAGE, REDIS_IMAGE, ensureServiceImages, serviceImagesProblem } from '../helpers/service-images.js';
import { get, eventually } from '../deploy/helpers.js';
import { makePluginRepo } from './helpers.js';

const APP = `svcapp-${TEST_RUN}`.toLowerCase();
const RENAMED = `${APP}-b`;
const DB = 'db1';
const CACHE = 'cache1';

const DOCKERFILE = `FROM slipway/busybox:latest
CMD mkdir -p /www && env > /www/env.txt && exec httpd -f -p 127.0.0.1:$PORT -h /www
`;

describe('12.7 a Dokku-style service plugin with real PostgreSQL and Redis containers', function () {
  this.timeout(300_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;
  let work: AppWork;

  const running = (): TestServer => {
    if (server === undefined) throw new Error('no server');
    return server;
  };
  const ok = async (args: string[], input?: string) => {
    const r = await running().ssh(args, { input });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const status = async (name: string): Promise<string> => {
    const r = await execa('docker', ['container', 'inspect', '-f', '{{.State.Status}}', `dokku.svc.${name}`], { reject: false });
    return r.exitCode === 0 ? r.stdout.trim() : 'missing';
  };

  before(async function () {
    docker = await dockerOrSkip(this);
    const problem = await serviceImagesProblem();
    if (problem !== undefined) {
      (this.test?.parent as Mocha.Suite & { skipReason?: string }).skipReason = problem;
      this.skip();
    }
    await ensureBaseImage(docker, testLabels());
    await ensureServiceImages(docker, testLabels());
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
    // The operator's settings, where Dokku keeps them: sourced for every plugin run.
    const rc = path.join(server.home, 'home', '.dokkurc');
    fs.mkdirSync(rc, { recursive: true });
    fs.writeFileSync(path.join(rc, 'svc'), `export SVC_POSTGRES_IMAGE=${POSTGRES_IMAGE}\nexport SVC_REDIS_IMAGE=${REDIS_IMAGE}\nexport SVC_LABELS="${TEST_LABEL}=${TEST_RUN}"\n`);
    const repo = await makePluginRepo(path.join(server.dir, 'repos', 'dokku-svc'), 'dokku-svc');
    await ok(['plugin:install', `file://${repo}`]);
    await ok(['apps:create', APP]);
    work = await appWork(server, { fixture: null, files: { Dockerfile: DOCKERFILE } });
  });

  after(async function () {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    for (const name of [DB, CACHE]) await execa('docker', ['container', 'rm', '-f', `dokku.svc.${name}`], { reject: false });
    for (const app of [APP, RENAMED]) await docker.removeByLabels({ [LABEL.app]: app });
    await docker.removeByLabels(testLabels());
  });

  it('svc:create starts a PostgreSQL and a Redis container from the images dokkurc names', async () => {
    const pg = await ok(['svc:create', 'postgres', DB]);
    assert.match(pg.stdout, /postgres service db1 created/);
    await ok(['svc:create', 'redis', CACHE]);
    assert.deepEqual([await status(DB), await status(CACHE)], ['running', 'running']);
    const again = await running().ssh(['svc:create', 'postgres', DB]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /postgres service db1 already exists/);
  });

  it('svc:link sets the URLs (config:set) and a deploy-phase docker option (docker-options:add)', async () => {
    await ok(['svc:link', DB, APP]);
    await ok(['svc:link', CACHE, APP]);
    const url = (await ok(['config:get', APP, 'DATABASE_URL'])).stdout;
    assert.match(url, /^postgres:\/\/postgres:[0-9a-f]{32}@127\.0\.0\.1:\d+\/db1$/);
    assert.match((await ok(['config:get', APP, 'REDIS_URL'])).stdout, /^redis:\/\/:[0-9a-f]{32}@127\.0\.0\.1:\d+$/);
    const report = await ok(['docker-options:report', APP, '--docker-options-deploy']);
    assert.match(report.stdout, /--label=svc\.link\.db1=linked/);
  });

  it('a pushed app sees DATABASE_URL and REDIS_URL, and its container carries the linked option', async () => {
    const push = await work.push(APP);
    assert.equal(push.exitCode, 0, String(push.stderr));
    const env = await eventually(async () => {
      const reply = await get(running().httpPort, `${APP}.localhost`, '/env.txt').catch(() => undefined);
      return reply?.status === 200 ? reply.body : undefined;
    });
    const url = (await ok(['config:get', APP, 'DATABASE_URL'])).stdout;
    assert.ok(env.split('\n').includes(`DATABASE_URL=${url}`), env);
    assert.match(env, /^REDIS_URL=redis:\/\//m);
    const [container] = await docker!.listContainers({ [LABEL.app]: APP });
    assert.ok(container, 'the app has a container');
    const inspect = await execa('docker', ['container', 'inspect', '-f', '{{index .Config.Labels "svc.link.db1"}}', container.id]);
    assert.equal(inspect.stdout.trim(), 'linked');
  });

  it('svc:connect runs the client on stdin against the real servers', async () => {
    const sql = await ok(['svc:connect', DB], 'create table t (x int); insert into t values (42); select x from t;\n');
    assert.equal(sql.stdout.trim(), '42');
    const redis = await ok(['svc:connect', CACHE], 'SET greeting hello\nGET greeting\n');
    assert.deepEqual(redis.stdout.trim().split('\n'), ['OK', 'hello']);
  });

  // As on Dokku, ps:start (and the restore at server start) fires pre-start; ps:restart does not.
  it('pre-start: a stopped linked service is started again by ps:start', async () => {
    await ok(['ps:stop', APP]);
    await execa('docker', ['container', 'stop', `dokku.svc.${DB}`]);
    assert.equal(await status(DB), 'exited');
    await ok(['ps:start', APP]);
    assert.equal(await status(DB), 'running');
    const sql = await ok(['svc:connect', DB], 'select x from t;\n');
    assert.equal(sql.stdout.trim(), '42', 'the data survived the stop');
  });

  it('post-app-rename-setup: the links follow apps:rename', async () => {
    await ok(['apps:rename', APP, RENAMED]);
    const info = await ok(['svc:info', DB]);
    assert.match(info.stdout, new RegExp(`Links: +${RENAMED}$`, 'm'));
    assert.match((await ok(['config:get', RENAMED, 'DATABASE_URL'])).stdout, /^postgres:\/\//);
  });

  it('svc:unlink removes the URL and the docker option; a linked service cannot be destroyed', async () => {
    await ok(['svc:unlink', DB, RENAMED]);
    const gone = await running().ssh(['config:get', RENAMED, 'DATABASE_URL']);
    assert.equal(gone.code, 1);
    const report = await ok(['docker-options:report', RENAMED, '--docker-options-deploy']);
    assert.doesNotMatch(report.stdout, /svc\.link\.db1/);
    const refused = await running().ssh(['svc:destroy', CACHE]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Cannot delete linked service/);
    assert.equal(await status(CACHE), 'running');
  });

  it('pre-delete: apps:destroy drops the app\'s links, then the services can be destroyed', async () => {
    await ok(['apps:destroy', RENAMED, '--force']);
    assert.doesNotMatch((await ok(['svc:info', CACHE])).stdout, new RegExp(RENAMED));
    await ok(['svc:destroy', CACHE]);
    await ok(['svc:destroy', DB]);
    assert.deepEqual([await status(DB), await status(CACHE)], ['missing', 'missing']);
    assert.equal((await ok(['svc:list'])).stdout, '');
  });
});
