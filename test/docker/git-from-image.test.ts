// git:from-image on a real engine (real server, OpenSSH, docker-local with host networking): an
// image built locally (no registry) is deployed through a `FROM IMAGE` build context committed to
// the app's repo; source-image records it; a missing image or a bad reference moves nothing.
// git:load-image: a `docker save` tarball piped over ssh is loaded into the engine, then deployed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer, makeKey } from '../helpers/server.js';
import { BASE_IMAGE, ensureBaseImage } from '../helpers/docker-base.js';
import { contextTar } from '../helpers/docker-tar.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { get } from '../deploy/helpers.js';

const APP = `fromimage-${TEST_RUN}`.toLowerCase();
const IMAGE = `slipway-test/from-image-${TEST_RUN}`.toLowerCase();

describe('git:from-image (real server, ssh, git and Docker Engine)', function () {
  this.timeout(300_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;

  const running = (): TestServer => {
    if (server === undefined) throw new Error('no server');
    return server;
  };
  const served = async () => (await get(running().httpPort, `${APP}.localhost`)).body;
  const sha = async () => (await running().ssh(['git:report', APP, '--git-sha'])).stdout;

  /** An image answering `text` on every path, tagged IMAGE:tag. */
  async function buildImage(tag: string, text: string): Promise<void> {
    await docker!.buildImage(
      contextTar({
        Dockerfile: [`FROM ${BASE_IMAGE}`, 'COPY www /www', 'CMD exec httpd -f -p 127.0.0.1:$PORT -h /www'].join('\n'),
        'www/index.html': text,
      }),
      { tags: [`${IMAGE}:${tag}`], labels: testLabels(), networkMode: 'host', noCache: true },
      () => undefined,
    );
  }

  before(async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    await buildImage('v1', 'image one');
    await buildImage('v2', 'image two');
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
    assert.equal((await server.ssh(['apps:create', APP])).code, 0);
  });

  after(async function () {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    await docker.removeByLabels({ [LABEL.app]: APP });
    await docker.removeByLabels(testLabels());
  });

  it('deploys an image: FROM IMAGE committed as Dokku\'s initial commit, source-image recorded', async () => {
    const r = await running().ssh(['git:from-image', APP, `${IMAGE}:v1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----> Generating build context$/m);
    assert.match(r.stdout, /^-----> Updating git repository with specified build context$/m);
    assert.equal(await served(), 'image one');
    assert.equal((await running().ssh(['git:report', APP, '--git-source-image'])).stdout, `${IMAGE}:v1`);
    const repo = path.join(running().home, 'home', APP);
    const dockerfile = await execa('git', ['--git-dir', repo, 'show', 'refs/heads/master:Dockerfile']);
    assert.equal(dockerfile.stdout, `FROM ${IMAGE}:v1\nLABEL com.dokku.docker-image-labeler/alternate-tags=[\\"${IMAGE}:v1\\"]`);
    assert.equal((await execa('git', ['--git-dir', repo, 'log', '-1', '--format=%an <%ae>|%s', 'refs/heads/master'])).stdout, 'Dokku <automated@dokku.sh>|Initial commit');
  });

  it('a second image deploys on top; the same image again is "No changes detected"', async () => {
    const r = await running().ssh(['git:from-image', APP, `${IMAGE}:v2`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await served(), 'image two');
    const again = await running().ssh(['git:from-image', APP, `${IMAGE}:v2`]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^ ! {5}No changes detected, skipping git commit$/m);
  });

  it('a missing image, a bad reference, no image, a missing app: errors, and nothing moves', async () => {
    const before = { sha: await sha(), body: await served(), image: (await running().ssh(['git:report', APP, '--git-source-image'])).stdout };
    const missing = await running().ssh(['git:from-image', APP, `${IMAGE}:nope`]);
    assert.equal(missing.code, 1);
    const bad = await running().ssh(['git:from-image', APP, "'busybox\nRUN rm -rf /'"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid image reference/);
    const none = await running().ssh(['git:from-image', APP]);
    assert.deepEqual([none.code, none.stderr], [1, ' !     Please specify a docker image']);
    const ghost = await running().ssh(['git:from-image', 'ghost', `${IMAGE}:v1`]);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
    assert.deepEqual({ sha: await sha(), body: await served(), image: (await running().ssh(['git:report', APP, '--git-source-image'])).stdout }, before);
  });

  it('git:load-image loads a docker save tarball from stdin and deploys it; a tarball without the image fails', async () => {
    await buildImage('v3', 'image three');
    const tar = path.join(running().dir, 'v3.tar');
    await execa('docker', ['save', '-o', tar, `${IMAGE}:v3`]);
    // Gone from the engine: only the tarball can bring it back.
    await docker!.removeImage(`${IMAGE}:v3`, { force: true });
    assert.equal(await docker!.hasImage(`${IMAGE}:v3`), false);
    const r = await running().ssh(['git:load-image', APP, `${IMAGE}:v3`], { input: fs.readFileSync(tar) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----> Loading image from stdin$/m);
    assert.match(r.stdout, new RegExp(`Loaded image: ${IMAGE}:v3`));
    assert.match(r.stdout, /^-----> Generating build context$/m);
    assert.equal(await served(), 'image three');
    assert.equal((await running().ssh(['git:report', APP, '--git-source-image'])).stdout, `${IMAGE}:v3`);
    const before = await sha();
    const wrong = await running().ssh(['git:load-image', APP, `${IMAGE}:not-in-it`], { input: fs.readFileSync(tar) });
    assert.deepEqual([wrong.code, wrong.stderr], [1, ` !     Loaded image tarball but the specified docker image was not found: ${IMAGE}:not-in-it`]);
    const junk = await running().ssh(['git:load-image', APP, `${IMAGE}:v3`], { input: 'not a tarball' });
    assert.equal(junk.code, 1);
    assert.match(junk.stderr, /^ ! {5}docker: load images failed/);
    assert.equal(await sha(), before);
    assert.equal(await served(), 'image three');
  });

  it('is for admin keys only (an image may be another app\'s)', async () => {
    const key = await makeKey(running().dir, 'dev');
    assert.equal((await running().dokku(['ssh-keys:add', 'dev', key.publicKey])).code, 0);
    assert.equal((await running().dokku(['acl:add', APP, 'dev'])).code, 0);
    const r = await running().ssh(['git:from-image', APP, `${IMAGE}:v1`], { key });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Access denied/);
    const load = await running().ssh(['git:load-image', APP, `${IMAGE}:v1`], { key, input: 'x' });
    assert.deepEqual([load.code, load.stderr], [1, ' !     Access denied']);
    assert.equal(fs.existsSync(path.join(running().home, 'home', APP)), true);
  });
});
