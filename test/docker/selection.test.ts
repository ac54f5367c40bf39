// The engine-free parts of Docker support: which builder builds a tree (a Dockerfile only when
// Docker answers), which scheduler runs a release, how a process type becomes a container
// command, and how storage mounts are parsed. An unreachable DOCKER_HOST stands in for "no Docker".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { BuilderRegistry } from '../../src/build/registry.js';
import { dockerfileBuilder } from '../../src/build/dockerfile.js';
import { nativeBuilder } from '../../src/build/native.js';
import { connect } from '../../src/docker/index.js';
import { createOptions } from '../../src/docker/spec.js';
import { DeployFailed, SlipwayError } from '../../src/errors.js';
import { containerCmd, imageCommandLine } from '../../src/scheduler/docker-local/command.js';
import { parseMount, formatMount } from '../../src/scheduler/mounts.js';
import { PerAppScheduler, canRun, detectDefault } from '../../src/scheduler/per-app.js';
import type { SchedulerEngine } from '../../src/scheduler/types.js';
import type { Generation, ReleaseArtifact, Scheduler } from '../../src/scheduler/types.js';
import { Store, GLOBAL } from '../../src/store/index.js';
import { loadSettings } from '../../src/settings.js';
import { parseAppName } from '../../src/names.js';

const NO_DOCKER = 'unix:///nonexistent/slipway-test-docker.sock';

function sink(): { out: { stdout: Writable; stderr: Writable }; text: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { text += chunk.toString(); done(); } });
  return { out: { stdout: stream, stderr: stream }, text: () => text };
}

/** A scheduler that records what it was asked to start. */
function fakeEngine(name: string, started: string[]): SchedulerEngine {
  const scheduler: Scheduler = {
    name,
    async start(spec) {
      started.push(`${name}:${spec.release.app}`);
      const generation: Generation = { id: `${name}-gen`, app: spec.release.app, version: spec.release.version, scale: spec.scale, instances: () => [] };
      return generation;
    },
    async stop() { /* nothing runs */ },
    generations: () => [],
    async logs() { /* no lines */ },
    async run() { return 0; },
    async destroy() { /* nothing runs */ },
    async close() { /* nothing runs */ },
    async detach() { /* nothing runs */ },
  };
  return { name, available: async () => true, create: async () => scheduler };
}

describe('Docker builder and scheduler selection (no engine needed)', function () {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-selection-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('builders', function () {
    let tree: string;
    let registry: BuilderRegistry;
    before(() => {
      tree = path.join(dir, 'tree');
      fs.mkdirSync(tree);
      fs.writeFileSync(path.join(tree, 'Dockerfile'), 'FROM slipway/busybox:latest\n');
      fs.writeFileSync(path.join(tree, 'index.html'), '<h1>hi</h1>\n');
      registry = new BuilderRegistry();
      registry.register(dockerfileBuilder(() => connect(NO_DOCKER)));
      registry.register(nativeBuilder);
    });

    it('detects a Dockerfile, and falls back to native, saying so, when Docker does not answer', async function () {
      const captured = sink();
      const builder = await registry.select(tree, undefined, captured.out);
      assert.equal(builder.name, 'native');
      assert.equal(captured.text(), ` !     dockerfile builder detected, but Docker is not reachable at ${NO_DOCKER}: trying the other builders\n`);
    });

    it('refuses an explicitly selected dockerfile builder when Docker does not answer', async function () {
      await assert.rejects(registry.select(tree, 'dockerfile'), (error: unknown) => {
        assert.ok(error instanceof DeployFailed);
        assert.equal(error.message, `Builder dockerfile was selected for this app, but Docker is not reachable at ${NO_DOCKER}`);
        return true;
      });
      assert.equal((await registry.select(tree, 'native')).name, 'native');
    });

    it('does not detect the dockerfile builder without a Dockerfile', async function () {
      assert.equal(await dockerfileBuilder(() => connect(NO_DOCKER)).detect(dir), false);
    });
  });

  describe('container commands', function () {
    const shellCmd = { entrypoint: [], cmd: ['/bin/sh', '-c', 'exec httpd -f -p $PORT'] };

    it('renders the image command and keeps it as it is for the web type without a Procfile', function () {
      assert.equal(imageCommandLine(shellCmd), `/bin/sh -c 'exec httpd -f -p $PORT'`);
      assert.equal(containerCmd(shellCmd, imageCommandLine(shellCmd)), undefined);
      assert.equal(imageCommandLine({ entrypoint: [], cmd: [] }), '');
    });

    it('runs a Procfile line through sh -c, or as words after an ENTRYPOINT', function () {
      assert.deepEqual(containerCmd(shellCmd, 'worker --queue "a b"'), ['/bin/sh', '-c', 'worker --queue "a b"']);
      assert.deepEqual(containerCmd({ entrypoint: ['/entry'], cmd: ['serve'] }, 'worker --queue "a b"'), ['worker', '--queue', 'a b']);
    });
  });

  describe('bridge networking', function () {
    it('publishes the web port on 127.0.0.1 only, and refuses to publish from the host network', function () {
      const options = createOptions({
        image: 'dokku/app:1', network: 'bridge', init: true, binds: ['/srv/data:/data:ro'],
        ports: [{ containerPort: 5000, hostIp: '127.0.0.1', hostPort: 34567 }],
      });
      assert.equal(options.HostConfig?.NetworkMode, 'bridge');
      assert.deepEqual(options.HostConfig?.PortBindings, { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '34567' }] });
      assert.deepEqual(options.ExposedPorts, { '5000/tcp': {} });
      assert.deepEqual(options.HostConfig?.Binds, ['/srv/data:/data:ro']);
      assert.equal(options.HostConfig?.Init, true);
      assert.throws(() => createOptions({ image: 'dokku/app:1', ports: [{ containerPort: 5000, hostIp: '127.0.0.1', hostPort: 1 }] }), SlipwayError);
    });
  });

  describe('storage mounts', function () {
    it('parses bind mounts and volumes, and refuses what is not a mount', function () {
      assert.deepEqual(parseMount('/srv/data/:/app/data'), { source: '/srv/data', target: '/app/data', kind: 'bind', readOnly: false });
      assert.deepEqual(parseMount('cache-vol:/cache:ro'), { source: 'cache-vol', target: '/cache', kind: 'volume', readOnly: true });
      assert.equal(formatMount(parseMount('cache-vol:/cache:ro')), 'cache-vol:/cache:ro');
      for (const bad of ['relative/dir:/data', '/srv:data', '/srv:/', '/srv/../etc:/data', '/srv:/data:rx', '/a,b:/data', '/srv', '/a:/b:ro:x', '-v:/data']) {
        assert.throws(() => parseMount(bad), SlipwayError, bad);
      }
    });
  });

  describe('schedulers', function () {
    let store: Store;
    const app = parseAppName('picked');
    const image: ReleaseArtifact = { app, version: 1, dir: '/nowhere', image: 'dokku/picked:1', processTypes: { web: 'x' } };
    const native: ReleaseArtifact = { app, version: 2, dir: '/nowhere', processTypes: { web: 'x' } };
    before(() => {
      store = new Store(loadSettings({ SLIPWAY_HOME: path.join(dir, 'data'), SLIPWAY_KEYS_DIR: path.join(dir, 'keys') }, dir));
    });

    it('picks the default from SLIPWAY_SCHEDULER, or from whether Docker answers', async function () {
      assert.deepEqual(await detectDefault('process', async () => true), { name: 'process', reason: 'SLIPWAY_SCHEDULER=process' });
      assert.equal((await detectDefault('auto', async () => true)).name, 'docker-local');
      assert.equal((await detectDefault('auto', async () => false)).name, 'process');
      assert.equal(canRun('process', image), false);
      assert.equal(canRun('docker-local', native), false);
    });

    it('runs each release on an engine that can run it, and honours scheduler:set', async function () {
      const started: string[] = [];
      const engines = [fakeEngine('process', started), fakeEngine('docker-local', started)];
      const ctx = { store, log: () => undefined };
      const perApp = new PerAppScheduler(engines, ctx, await engines[0]!.create(ctx));
      assert.equal(perApp.name, 'process');
      await perApp.start({ release: native, scale: { web: 1 }, env: {} });
      await perApp.start({ release: image, scale: { web: 1 }, env: {} });
      assert.deepEqual(started, ['process:picked', 'docker-local:picked']);

      await store.properties.set('scheduler', app, 'selected', 'process');
      await assert.rejects(perApp.start({ release: image, scale: { web: 1 }, env: {} }), /The process scheduler selected for picked cannot run the Docker image of v1/);
      await store.properties.delete('scheduler', app, 'selected');
      await store.properties.set('scheduler', GLOBAL, 'selected', 'docker-local');
      await assert.rejects(perApp.start({ release: native, scale: { web: 1 }, env: {} }), /runs Docker images, and v2 was not built as one/);
      await store.properties.delete('scheduler', GLOBAL, 'selected');
    });
  });
});
