// 10.5 Images: every image a build creates is labelled (build stages too), `latest` moves only to a
// deployed release, a failed build leaves nothing, apps:rename retags, apps:destroy removes, and only
// the last SLIPWAY_KEEP_RELEASES builds keep their images. Real server, ssh, git and Docker Engine:
// each assertion reads the engine's own image list. The app's Dockerfiles start FROM a base image
// this run makes, so "descends from it" means "built by this test", whatever else the engine runs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { execa } from 'execa';
import { LABEL, type DockerClient, type ImageInfo } from '../../src/docker/index.js';
import { dockerfileBuilder } from '../../src/build/dockerfile.js';
import { parseAppName } from '../../src/names.js';
import { TestServer, gitClientEnv } from '../helpers/server.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { contextTar } from '../helpers/docker-tar.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { eventually, get } from '../deploy/helpers.js';

const RUN = TEST_RUN.toLowerCase();
const BASE = `slipway/images-base:${RUN}`;
const APP = `images-${RUN}`;
const RENAMED = `images-renamed-${RUN}`;
const STAGES = `images-stages-${RUN}`;
const KEEP = 2;

type EngineImage = ImageInfo & { parent: string };

/** Two stages: the page is made in the first, copied into the second, which serves it. */
function dockerfile(version: string, finalStep = ''): string {
  return [
    `FROM ${BASE} AS page`,
    `RUN echo "version ${version}" > /index.html`,
    `FROM ${BASE}`,
    'COPY --from=page /index.html /www/index.html',
    ...(finalStep ? [finalStep] : []),
    'CMD exec httpd -f -p 127.0.0.1:$PORT -h /www',
    '',
  ].join('\n');
}

describe('10.5 Images: labelled, tagged on success, retagged, removed, pruned (real engine)', function () {
  this.timeout(600_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;
  let gitEnv: Record<string, string>;
  let work: string;
  let baseId = '';
  let holder: string | undefined;

  const engine = (): DockerClient => {
    if (docker === undefined) throw new Error('no engine');
    return docker;
  };
  const running = (): TestServer => {
    if (server === undefined) throw new Error('no server');
    return server;
  };
  const git = (args: string[]) => execa('git', args, { cwd: work, env: gitEnv, extendEnv: false, reject: false });
  const push = async (content: string, message: string) => {
    fs.writeFileSync(path.join(work, 'Dockerfile'), content);
    for (const args of [['add', '-A'], ['commit', '-q', '--allow-empty', '-m', message]]) {
      const r = await git(args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    return git(['push', `ssh://dokku@127.0.0.1:${running().sshPort}/${APP}`, 'HEAD:main']);
  };

  /** Every image on the engine that this run's builds made: the descendants of the base image. */
  const built = async (): Promise<EngineImage[]> => {
    const all = await engine().allImages();
    const byId = new Map(all.map((i) => [i.id, i]));
    const descends = (image: EngineImage): boolean => {
      for (let p = byId.get(image.parent); p !== undefined; p = byId.get(p.parent)) if (p.id === baseId) return true;
      return image.parent === baseId;
    };
    return all.filter(descends);
  };
  /** The app's tags on the engine (`dokku/APP:…`), sorted. */
  const tagsOf = async (app: string): Promise<string[]> =>
    (await engine().allImages()).flatMap((i) => i.tags).filter((t) => t.startsWith(`dokku/${app}:`)).sort();
  const idOf = async (ref: string): Promise<string> => (await engine().findImage(ref)).id;
  /** Wait until the app's only containers are those of `release` (the retiring ones have stopped). */
  const retired = (release: number) => eventually(async () => {
    const containers = await engine().listContainers({ [LABEL.app]: APP });
    return containers.every((c) => c.labels[LABEL.release] === String(release)) ? true : undefined;
  }, 200);

  before(async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    const base = await docker.buildImage(contextTar({ Dockerfile: 'FROM slipway/busybox:latest\n' }),
      { tags: [BASE], labels: testLabels(), networkMode: 'none' }, () => undefined);
    baseId = base.id;
    server = await TestServer.start({
      env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host', SLIPWAY_KEEP_RELEASES: String(KEEP) },
    });
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    gitEnv = gitClientEnv(server.admin, home);
    work = path.join(server.dir, 'work');
    fs.mkdirSync(work);
    const init = await git(['init', '-q', '-b', 'main']);
    assert.equal(init.exitCode, 0, init.stderr);
    assert.equal((await server.ssh(['apps:create', APP])).code, 0);
    assert.equal((await server.ssh(['builder:set', APP, 'selected', 'dockerfile'])).code, 0);
  });

  after(async function () {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    if (holder !== undefined) await docker.removeContainer(holder).catch(() => undefined);
    for (const app of [APP, RENAMED, STAGES]) await docker.removeByLabels({ [LABEL.app]: app });
    await docker.removeByLabels(testLabels());
  });

  it('10.5.1 labels every image a Dockerfile build creates, each build stage and step included', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-stages-'));
    try {
      fs.writeFileSync(path.join(dir, 'Dockerfile'), dockerfile('stages'));
      const sink = new Writable({ write(_chunk, _enc, done) { done(); } });
      const builder = dockerfileBuilder(engine);
      const result = await builder.build({
        app: parseAppName(STAGES), version: 1, dir, env: {}, cacheDir: dir, out: { stdout: sink, stderr: sink }, signal: new AbortController().signal,
      });
      assert.equal(result.image, `dokku/${STAGES}:1`);
      const images = await built();
      const release = images.find((i) => i.tags.includes(`dokku/${STAGES}:1`));
      assert.ok(release, 'the release image descends from the base');
      // The first stage is no ancestor of the release image: without labels it would be invisible.
      const chain = new Set<string>();
      for (let i: EngineImage | undefined = release; i !== undefined; i = images.find((x) => x.id === i?.parent)) chain.add(i.id);
      const stages = images.filter((i) => !chain.has(i.id));
      assert.ok(stages.length > 0, 'the first stage left images of its own');
      assert.ok(images.length >= 5, `LABEL, RUN, LABEL, COPY and CMD steps at least: ${images.length}`);
      for (const image of images) {
        assert.equal(image.labels[LABEL.app], STAGES, image.id);
        assert.equal(image.labels['com.dokku.app-name'], STAGES, image.id);
        assert.equal(image.labels['com.dokku.builder-type'], 'dockerfile', image.id);
        assert.equal(image.labels[LABEL.managed], 'true', image.id);
        assert.equal(image.labels['com.dokku.image-stage'], image === release ? 'release' : 'build', image.id);
      }
      assert.equal(release.labels[LABEL.release], '1');
      // The stage images are the app's dangling leftovers, found by label.
      const dangling = new Set((await engine().danglingImages({ [LABEL.app]: STAGES })).map((i) => i.id));
      assert.ok(stages.some((i) => dangling.has(i.id)));
      await builder.discard?.(parseAppName(STAGES), 1);
      assert.deepEqual(await built(), [], 'discarding the build leaves nothing of it');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('10.5.2 tags only successful releases: a failed build leaves no image, latest stays on the deployed release', async function () {
    const first = await push(dockerfile('v1'), 'v1');
    assert.equal(first.exitCode, 0, first.stderr);
    assert.deepEqual(await get(running().httpPort, `${APP}.localhost`), { status: 200, body: 'version v1\n' });
    assert.deepEqual(await tagsOf(APP), [`dokku/${APP}:1`, `dokku/${APP}:latest`]);
    const v1 = await idOf(`dokku/${APP}:1`);
    assert.equal(await idOf(`dokku/${APP}:latest`), v1);
    const before = (await built()).map((i) => i.id).sort();

    // The first stage builds, the second fails: neither leaves an image behind.
    const broken = await push(dockerfile('broken', 'RUN echo failing on purpose && exit 7'), 'broken build');
    assert.notEqual(broken.exitCode, 0, broken.stderr);
    assert.deepEqual((await built()).map((i) => i.id).sort(), before, 'the engine holds what it held before the failed build');
    assert.deepEqual(await tagsOf(APP), [`dokku/${APP}:1`, `dokku/${APP}:latest`]);

    // Built, but its processes exit at once: a failed release, and latest does not move to it.
    const crashing = await push(dockerfile('crash').replace(/^CMD .*$/m, 'CMD echo crashing on purpose; exit 3'), 'crashing release');
    assert.notEqual(crashing.exitCode, 0, crashing.stderr);
    assert.equal(await idOf(`dokku/${APP}:latest`), v1);
    assert.deepEqual(await get(running().httpPort, `${APP}.localhost`), { status: 200, body: 'version v1\n' });
  });

  it('10.5.4 keeps the images of the last SLIPWAY_KEEP_RELEASES releases, and any image a running container uses; a rollback moves latest', async function () {
    // Releases so far: v1 (deployed) and v2 (failed). The old processes retire before each next
    // push, so only what this test runs itself holds an image.
    const third = await push(dockerfile('v3'), 'v3');
    assert.equal(third.exitCode, 0, third.stderr);
    assert.equal(await idOf(`dokku/${APP}:latest`), await idOf(`dokku/${APP}:3`));
    await retired(3);
    // v4 keeps v3 and v4: the images of v1 and v2 go.
    const fourth = await push(dockerfile('v4'), 'v4');
    assert.equal(fourth.exitCode, 0, fourth.stderr);
    assert.deepEqual(await tagsOf(APP), [`dokku/${APP}:3`, `dokku/${APP}:4`, `dokku/${APP}:latest`]);
    await retired(4);

    // A container of someone's own runs v3's image: that image outlives its turn at v5.
    holder = await engine().createContainer({ image: `dokku/${APP}:3`, cmd: ['sleep', '600'], network: 'none', labels: testLabels(), restart: 'no' });
    await engine().startContainer(holder);
    const fifth = await push(dockerfile('v5'), 'v5');
    assert.equal(fifth.exitCode, 0, fifth.stderr);
    assert.deepEqual(await tagsOf(APP), [`dokku/${APP}:3`, `dokku/${APP}:4`, `dokku/${APP}:5`, `dokku/${APP}:latest`]);
    assert.equal(await idOf(`dokku/${APP}:latest`), await idOf(`dokku/${APP}:5`));
    assert.deepEqual(await engine().danglingImages({ [LABEL.app]: APP }), [], 'no stage leftovers after a deploy');
    await engine().removeContainer(holder);
    holder = undefined;

    // A rollback is a deploy too: latest follows it to v4's image, and v3's image, free now, goes.
    const rollback = await running().ssh(['releases:rollback', APP, 'v4']);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.equal(await idOf(`dokku/${APP}:latest`), await idOf(`dokku/${APP}:4`));
    assert.deepEqual(await tagsOf(APP), [`dokku/${APP}:4`, `dokku/${APP}:5`, `dokku/${APP}:latest`]);
  });

  it('10.5.3 apps:rename retags the images (new labels too, old tags gone); apps:destroy removes them all', async function () {
    const renamed = await running().ssh(['apps:rename', APP, RENAMED]);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.deepEqual(await tagsOf(APP), []);
    assert.deepEqual(await tagsOf(RENAMED), [`dokku/${RENAMED}:4`, `dokku/${RENAMED}:5`, `dokku/${RENAMED}:latest`]);
    assert.equal(await idOf(`dokku/${RENAMED}:latest`), await idOf(`dokku/${RENAMED}:4`));
    assert.deepEqual(await engine().listImages({ [LABEL.app]: APP }), []);
    const labelled = await engine().listImages({ [LABEL.app]: RENAMED });
    assert.equal(labelled.length, 2);
    for (const image of labelled) assert.equal(image.labels['com.dokku.app-name'], RENAMED);
    // The renamed app restarted from its retagged image (v6, the rollback to v4's build).
    assert.deepEqual(await get(running().httpPort, `${RENAMED}.localhost`), { status: 200, body: 'version v4\n' });

    const destroyed = await running().ssh(['apps:destroy', RENAMED, '--force']);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.deepEqual(await tagsOf(RENAMED), []);
    assert.deepEqual(await built(), [], 'nothing this app built is left on the engine');
  });
});
