// src/docker against a real Docker Engine (DOCKER_HOST): base image import, image lookup, builds,
// a container served over 127.0.0.1 with host networking, one-off runs. Skips when none answers.
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import {
  BuildFailed, ContainerNotFound, ImageNotFound, LABEL, type DockerClient, type LogLine,
} from '../../src/docker/index.js';
import { BASE_IMAGE, ensureBaseImage } from '../helpers/docker-base.js';
import { contextTar } from '../helpers/docker-tar.js';
import {
  TEST_LABEL, TEST_RUN, dockerOrSkip, freeLoopbackPort, getLoopback, testLabels, waitForLoopback,
} from '../helpers/docker.js';

const APP = 'docker-test';
const WEB_IMAGE = `slipway/${APP}:${TEST_RUN}`;
const PAGE = '<h1>served from a slipway container</h1>\n';

function collect(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('docker engine (src/docker)', function () {
  this.timeout(120_000);
  let docker: DockerClient | undefined;
  const engine = (): DockerClient => {
    if (docker === undefined) throw new Error('no engine');
    return docker;
  };

  before(async function () {
    docker = await dockerOrSkip(this);
  });

  after(async function () {
    if (docker === undefined || !(await docker.ping())) return;
    const removed = await docker.removeByLabels(testLabels());
    assert.deepEqual(await docker.listContainers(testLabels()), []);
    assert.deepEqual(await docker.listImages(testLabels()), [], `left behind after removing ${JSON.stringify(removed)}`);
  });

  it('imports the busybox base image from a streamed rootfs tar', async function () {
    const base = await ensureBaseImage(engine(), testLabels());
    assert.match(base.id, /^sha256:[a-f0-9]{64}$/);
    assert.ok(base.tags.includes(BASE_IMAGE), `tags: ${base.tags.join(', ')}`);
    assert.equal(base.labels[LABEL.managed], 'true');
  });

  it('finds an image by reference, and says so with a typed error when it is missing', async function () {
    const found = await engine().findImage(BASE_IMAGE);
    assert.ok(found.tags.includes(BASE_IMAGE));
    assert.equal(await engine().hasImage('slipway/no-such-image:latest'), false);
    await assert.rejects(engine().findImage('slipway/no-such-image:latest'), (error: unknown) => {
      assert.ok(error instanceof ImageNotFound);
      assert.equal(error.code, 'E_IMAGE_NOT_FOUND');
      assert.equal(error.message, 'slipway/no-such-image:latest image not found');
      return true;
    });
  });

  it('builds a Dockerfile from a tar stream, streaming its output line by line', async function () {
    const lines: string[] = [];
    const image = await engine().buildImage(
      contextTar({
        Dockerfile: [
          `FROM ${BASE_IMAGE}`,
          'COPY www /www',
          'RUN echo "built by $(id -un)"',
          'CMD echo "listening on $PORT" && exec httpd -f -v -p 127.0.0.1:$PORT -h /www',
        ].join('\n'),
        'www/index.html': PAGE,
      }),
      { tags: [WEB_IMAGE, `slipway/${APP}:latest`], labels: testLabels({ [LABEL.app]: APP }), networkMode: 'host', noCache: true },
      (line) => lines.push(line),
    );
    // The engine appends the build's labels as extra LABEL steps, so only the first step is fixed.
    assert.ok(lines.some((l) => /^Step 1\/\d+ : FROM /.test(l) && l.endsWith(BASE_IMAGE)), lines.join('\n'));
    assert.ok(lines.includes('built by root'), lines.join('\n'));
    assert.ok(lines.every((l) => !l.includes('\n')), 'each callback gets one line');
    assert.ok(image.tags.includes(WEB_IMAGE) && image.tags.includes(`slipway/${APP}:latest`), image.tags.join(', '));
    assert.equal(image.labels[LABEL.app], APP);
    assert.equal(image.labels[TEST_LABEL], TEST_RUN);
  });

  it('rejects a build whose step fails, naming the step and the reason', async function () {
    const lines: string[] = [];
    const build = engine().buildImage(
      contextTar({ Dockerfile: `FROM ${BASE_IMAGE}\nRUN echo about to fail && exit 7\n` }),
      { tags: [`slipway/${APP}-broken:${TEST_RUN}`], labels: testLabels(), networkMode: 'host', noCache: true },
      (line) => lines.push(line),
    );
    await assert.rejects(build, (error: unknown) => {
      assert.ok(error instanceof BuildFailed, String(error));
      assert.equal(error.code, 'E_BUILD_FAILED');
      assert.match(error.message, /^image build failed at Step 2\/\d+ : RUN echo about to fail && exit 7: /);
      assert.match(error.message, /returned a non-zero code: 7/);
      return true;
    });
    assert.ok(lines.includes('about to fail'), lines.join('\n'));
    assert.equal(await engine().hasImage(`slipway/${APP}-broken:${TEST_RUN}`), false);
  });

  it('runs the built image with host networking and answers over 127.0.0.1', async function () {
    const port = await freeLoopbackPort();
    const labels = testLabels({ [LABEL.app]: APP, [LABEL.process]: 'web' });
    const id = await engine().createContainer({
      image: WEB_IMAGE,
      name: `slipway-${APP}-${TEST_RUN}-web`,
      env: { PORT: String(port) },
      labels,
      healthcheck: { test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1:$PORT/ || exit 1'], intervalMs: 500, timeoutMs: 2000, retries: 3 },
    });
    await engine().startContainer(id);

    const answer = await waitForLoopback(port);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, PAGE);

    const healthy = await until('a healthy container', async () => {
      const state = await engine().inspectContainer(id);
      return state.health === 'healthy' ? state : undefined;
    });
    assert.equal(healthy.running, true);
    assert.equal(healthy.labels[LABEL.managed], 'true');

    const listed = await engine().listContainers({ [LABEL.app]: APP, [TEST_LABEL]: TEST_RUN });
    assert.deepEqual(listed.map((c) => c.id), [id]);
    assert.equal(listed[0]?.state, 'running');

    const logs = await engine().containerLogs(id);
    const past: LogLine[] = [];
    for await (const line of logs) past.push(line);
    assert.ok(past.some((l) => l.stream === 'stdout' && l.text === `listening on ${port}`), JSON.stringify(past));

    const follow = await engine().containerLogs(id, { follow: true, tail: 10 });
    const first = await new Promise<LogLine>((resolve, reject) => {
      follow.once('data', resolve);
      follow.once('error', reject);
    });
    assert.equal(first.text, `listening on ${port}`);
    follow.destroy();

    await engine().stopContainer(id, 2);
    await engine().stopContainer(id, 2); // already stopped: not an error
    assert.equal((await engine().inspectContainer(id)).running, false);
    await engine().removeContainer(id);
    await assert.rejects(engine().inspectContainer(id), ContainerNotFound);
    await assert.rejects(getLoopback(port), /ECONNREFUSED/);
  });

  it('runs a one-off command, returns its exit code and output, and removes the container', async function () {
    const out = collect();
    const err = collect();
    const result = await engine().runOneOff(
      { image: BASE_IMAGE, cmd: ['sh', '-c', 'echo "to stdout"; echo "to stderr" >&2; exit 3'], labels: testLabels() },
      { stdout: out.stream, stderr: err.stream },
    );
    assert.equal(result.exitCode, 3);
    assert.equal(out.text(), 'to stdout\n');
    assert.equal(err.text(), 'to stderr\n');

    const echoed = collect();
    const piped = await engine().runOneOff(
      { image: BASE_IMAGE, cmd: ['sh', '-c', 'tr a-z A-Z'], labels: testLabels() },
      { stdout: echoed.stream, stderr: process.stderr, stdin: Readable.from(['hello ', 'slipway\n']) },
    );
    assert.equal(piped.exitCode, 0);
    assert.equal(echoed.text(), 'HELLO SLIPWAY\n');
    assert.deepEqual(await engine().listContainers({ [LABEL.oneOff]: 'true', [TEST_LABEL]: TEST_RUN }), []);
  });

  it('reports a missing image when creating a container from it', async function () {
    await assert.rejects(
      engine().createContainer({ image: 'slipway/no-such-image:latest', labels: testLabels() }),
      (error: unknown) => error instanceof ImageNotFound && error.message === 'slipway/no-such-image:latest image not found',
    );
  });
});
