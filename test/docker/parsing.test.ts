// The engine-free parts of src/docker: stream framing, line splitting, build-progress parsing,
// reference checks, DOCKER_HOST parsing and container specs. These run without Docker.
import assert from 'node:assert/strict';
import { demuxFrames, frameLines, type Frame, type LogLine } from '../../src/docker/demux.js';
import { LineSplitter } from '../../src/os/lines.js';
import { readProgress } from '../../src/docker/progress.js';
import { checkContainerName, checkImageRef, splitRef } from '../../src/docker/refs.js';
import { resolveEndpoint } from '../../src/docker/endpoint.js';
import { createOptions } from '../../src/docker/spec.js';
import { labelFilter } from '../../src/docker/labels.js';
import { SlipwayError } from '../../src/errors.js';

function frame(type: number, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

function chunked(buffer: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += size) parts.push(buffer.subarray(i, i + size));
  return parts;
}

describe('docker stream parsing', function () {
  it('demultiplexes stdout and stderr frames cut at any byte', async function () {
    const wire = Buffer.concat([frame(1, 'out one\nout '), frame(2, 'err line\n'), frame(1, 'two\n'), frame(1, 'tail')]);
    for (const size of [1, 3, 7, 8, 9, wire.length]) {
      const lines: LogLine[] = await all(frameLines(demuxFrames(chunked(wire, size))));
      assert.deepEqual(lines, [
        { stream: 'stdout', text: 'out one' },
        { stream: 'stderr', text: 'err line' },
        { stream: 'stdout', text: 'out two' },
        { stream: 'stdout', text: 'tail' },
      ], `chunk size ${size}`);
    }
  });

  it('passes a stream without Docker framing (a TTY) through as stdout', async function () {
    const frames: Frame[] = await all(demuxFrames([Buffer.from('plain text\n'), Buffer.from('more')]));
    assert.deepEqual(frames.map((f) => [f.stream, f.data.toString()]), [['stdout', 'plain text\n'], ['stdout', 'more']]);
  });

  it('splits lines across chunks, CRLF included, without breaking UTF-8', function () {
    const splitter = new LineSplitter();
    const euro = Buffer.from('€');
    assert.deepEqual(splitter.push(Buffer.concat([Buffer.from('a\r\nb'), euro.subarray(0, 1)])), ['a']);
    assert.deepEqual(splitter.push(Buffer.concat([euro.subarray(1), Buffer.from('\nc')])), ['b€']);
    assert.deepEqual(splitter.flush(), ['c']);
    assert.deepEqual(splitter.flush(), []);
  });

  it('reads build progress: output lines, the image id, and an error reported inside the stream', async function () {
    const messages = [
      { stream: 'Step 1/2 : FROM x\n' },
      { stream: ' ---> abc\nStep 2/2 : RUN false\n' },
      { stream: ' ---> Running in 123\n' },
      { error: "The command '/bin/sh -c false' returned a non-zero code: 1", errorDetail: { code: 1, message: "The command '/bin/sh -c false' returned a non-zero code: 1" } },
    ];
    const wire = Buffer.from(messages.map((m) => `${JSON.stringify(m)}\r\n`).join(''));
    const lines: string[] = [];
    const result = await readProgress(chunked(wire, 5), (l) => lines.push(l));
    assert.deepEqual(lines, ['Step 1/2 : FROM x', ' ---> abc', 'Step 2/2 : RUN false', ' ---> Running in 123']);
    assert.equal(result.error, "The command '/bin/sh -c false' returned a non-zero code: 1");
    assert.equal(result.lastStep, 'Step 2/2 : RUN false');

    const ok = await readProgress([Buffer.from(`{"aux":{"ID":"sha256:${'a'.repeat(64)}"}}\n{"stream":"Successfully built aaaa\\n"}\n`)], () => undefined);
    assert.equal(ok.imageId, `sha256:${'a'.repeat(64)}`);
    assert.equal(ok.error, undefined);
  });
});

describe('docker references and specs', function () {
  it('accepts image references and refuses ones that could address another API path', function () {
    for (const ok of ['slipway/busybox:latest', 'busybox', 'localhost:5000/a/b:v1.2', `sha256:${'f'.repeat(64)}`, 'dokku/app:2']) {
      assert.equal(checkImageRef(ok), ok);
    }
    for (const bad of ['../containers/x', 'a/../b', 'a?b', 'Upper/case', '', 'a b', '/abs', 'x/']) {
      assert.throws(() => checkImageRef(bad), (e: unknown) => e instanceof SlipwayError && e.code === 'E_INVALID_IMAGE_REF', bad);
    }
    assert.throws(() => checkContainerName('../x'), SlipwayError);
    assert.equal(checkContainerName('slipway-app.web.1'), 'slipway-app.web.1');
  });

  it('splits repository and tag the way docker tag does', function () {
    assert.deepEqual(splitRef('slipway/busybox'), { repo: 'slipway/busybox', tag: 'latest' });
    assert.deepEqual(splitRef('localhost:5000/app:v2'), { repo: 'localhost:5000/app', tag: 'v2' });
    assert.deepEqual(splitRef('localhost:5000/app'), { repo: 'localhost:5000/app', tag: 'latest' });
  });

  it('parses DOCKER_HOST', function () {
    assert.deepEqual(resolveEndpoint('unix:///run/x.sock').options, { socketPath: '/run/x.sock', host: undefined });
    assert.deepEqual(resolveEndpoint('tcp://127.0.0.1:2375').options, { host: '127.0.0.1', port: 2375, protocol: 'http' });
    assert.equal(resolveEndpoint('').host, 'unix:///var/run/docker.sock');
    for (const bad of ['ssh://me@host', 'unix://relative', 'tcp://nohost', 'http://x:1']) {
      assert.throws(() => resolveEndpoint(bad), (e: unknown) => e instanceof SlipwayError && e.code === 'E_DOCKER_HOST', bad);
    }
  });

  it('turns a container spec into create options: host network, on-failure:10, labels, healthcheck in ns', function () {
    const options = createOptions({
      image: 'slipway/app:1',
      name: 'slipway-app-web-1',
      env: { PORT: '5000', EMPTY: '' },
      labels: { 'com.slipway.app': 'app' },
      healthcheck: { test: ['CMD', 'true'], intervalMs: 500, retries: 2 },
    });
    assert.equal(options.HostConfig?.NetworkMode, 'host');
    assert.deepEqual(options.HostConfig?.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 10 });
    assert.deepEqual(options.Env, ['PORT=5000', 'EMPTY=']);
    assert.deepEqual(options.Labels, { 'com.slipway.app': 'app', 'com.slipway.managed': 'true' });
    assert.equal(options.Healthcheck?.Interval, 500_000_000);
    assert.equal(options.Healthcheck?.Retries, 2);
    assert.throws(() => createOptions({ image: 'x', env: { 'A=B': '1' } }), SlipwayError);
    assert.deepEqual(labelFilter({ a: '1', b: '' }), { label: ['a=1', 'b'] });
  });

  it('a user-defined network (initial-network) is wired like bridge: its aliases, published ports on any host address', function () {
    const options = createOptions({
      image: 'slipway/app:1', network: 'backend', aliases: ['app.web.svc'],
      ports: [{ containerPort: 5000, hostIp: '0.0.0.0', hostPort: 40001 }],
    });
    assert.equal(options.HostConfig?.NetworkMode, 'backend');
    assert.deepEqual(options.NetworkingConfig, { EndpointsConfig: { backend: { Aliases: ['app.web.svc'] } } });
    assert.deepEqual(options.HostConfig?.PortBindings, { '5000/tcp': [{ HostIp: '0.0.0.0', HostPort: '40001' }] });
    // Docker gives no aliases on its default bridge, and nothing is published from host networking.
    assert.equal(createOptions({ image: 'x', network: 'bridge', aliases: ['a.web'] }).NetworkingConfig, undefined);
    assert.throws(() => createOptions({ image: 'x', network: 'host', ports: [{ containerPort: 5000, hostIp: '127.0.0.1', hostPort: 1 }] }), SlipwayError);
    assert.throws(() => createOptions({ image: 'x', network: 'bad/name' }), /Invalid network name/);
  });
});
