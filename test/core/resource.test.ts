// resource:* as Dokku documents it: limits and reservations per app and process type (`_default_`
// unless --process-type), `clear` as a value, the bare command printing the current values, reports
// with Dokku's property flags; docker-local sets them on the containers it creates (a type's own
// value over the default), the process scheduler stores them and says it does not enforce them.
// Real server, OpenSSH and git push; the Docker part skips, saying why, without an engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer, repoRoot } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { eventually, get } from '../deploy/helpers.js';

interface Inspected { HostConfig: { Memory: number; MemoryReservation: number; MemorySwap: number; NanoCpus: number } }

describe('resource:* (real server, OpenSSH and git push)', function () {
  this.timeout(300_000);
  let server: TestServer;
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    server = await TestServer.start();
    await ok(['apps:create', 'limited']);
  });
  after(async () => { await server?.stop(); });

  it('limit and reserve store Dokku\'s properties, print Dokku\'s lines, and say the process scheduler does not enforce them', async () => {
    const set = await ok(['resource:limit', '--cpu', '0.5', '--memory', '256', 'limited']);
    assert.equal(set.stdout, '=====> Setting resource limits for limited\n       cpu: 0.5\n       memory: 256');
    assert.match(set.stderr, /limited runs on the process scheduler, which stores resource limits but does not enforce them/);
    const typed = await ok(['resource:limit', '--process-type', 'web', '--memory=1g', '--network', '10mbps', 'limited']);
    assert.match(typed.stdout, /^=====> Setting resource limits for limited \(web\)$/m);
    assert.match(typed.stderr, /no scheduler here enforces the limit of network/);
    assert.match((await ok(['resource:reserve', '--memory', '128', 'limited'])).stdout, /^=====> Setting resource reservation for limited\n {7}memory: 128$/);

    const shown = (await ok(['resource:limit', 'limited'])).stdout.split('\n');
    assert.equal(shown[0], '=====> resource limits limited information [defaults]');
    assert.deepEqual(shown.slice(1).map((l) => l.trimEnd()), ['       cpu: 0.5', '       memory: 256', '       memory-swap:', '       network:', '       network-ingress:', '       network-egress:', '       nvidia-gpu:']);
    assert.match((await ok(['resource:limit', '--process-type', 'web', 'limited'])).stdout, /^=====> resource limits limited information \(web\)\n {7}cpu: *\n {7}memory: 1g/);

    const report = (await ok(['resource:report', 'limited'])).stdout;
    assert.match(report, /^=====> limited resource information$/m);
    assert.match(report, /^ {7}resource _default_ limit cpu: +0\.5$/m);
    assert.match(report, /^ {7}resource web limit memory: +1g$/m);
    assert.match(report, /^ {7}resource _default_ reserve memory: +128$/m);
    assert.equal((await ok(['resource:report', 'limited', '--resource-web.limit.memory'])).stdout, '1g');
    const json = JSON.parse((await ok(['resource:report', 'limited', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json['_default_.limit.memory'], '256');
    assert.equal(json['resource-_default_.limit.memory'], '256', 'Dokku also emits the legacy-prefixed key');
    assert.equal(json['web.limit.network'], '10mbps');

    // `clear` as a value removes just that one.
    assert.match((await ok(['resource:limit', '--cpu', 'clear', 'limited'])).stdout, /^ {7}cpu: cleared$/m);
    assert.equal((await ok(['resource:report', 'limited', '--format', 'json'])).stdout.includes('limit.cpu"'), false);
  });

  it('bad values are refused before anything is written; clear commands; Dokku\'s errors', async () => {
    const before = (await ok(['resource:report', 'limited', '--format', 'json'])).stdout;
    for (const args of [['--memory', 'lots'], ['--cpu', '-1'], ['--memory', '64', '--memory-swap', 'x'], ['--nvidia-gpu', 'two']]) {
      const r = await server.ssh(['resource:limit', ...args, 'limited']);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /Invalid (memory|cpu|memory-swap|nvidia-gpu) value/);
    }
    assert.equal((await ok(['resource:report', 'limited', '--format', 'json'])).stdout, before);

    assert.equal((await ok(['resource:limit-clear', '--process-type', 'web', 'limited'])).stdout, '=====> clearing limited limits (web)');
    let json = JSON.parse((await ok(['resource:report', 'limited', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json['web.limit.memory'], undefined);
    assert.equal(json['_default_.limit.memory'], '256');
    assert.equal((await ok(['resource:limit-clear', 'limited'])).stdout, '=====> clearing limited limits');
    json = JSON.parse((await ok(['resource:report', 'limited', '--format', 'json'])).stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(json).filter((k) => !k.startsWith('resource-')), ['_default_.reserve.memory'], 'reservations stay');
    assert.equal((await ok(['resource:reserve-clear', 'limited'])).stdout, '=====> clearing limited reservation');
    assert.equal((await ok(['resource:report', 'limited', '--format', 'json'])).stdout, '{}');

    const missing = await server.ssh(['resource:limit', '--memory', '64', 'nosuchapp']);
    assert.equal(missing.code, 20);
    assert.match(missing.stderr, /App nosuchapp does not exist/);
    const none = await server.ssh(['resource:report', 'nosuchapp']);
    assert.equal(none.code, 20);
    const help = (await ok(['help', '--all'])).stdout;
    for (const name of ['resource:limit', 'resource:limit-clear', 'resource:reserve', 'resource:reserve-clear', 'resource:report']) {
      assert.match(help, new RegExp(`^ +${name} `, 'm'), name);
    }
  });

  it('apps:clone copies the app\'s resource properties and apps:rename moves them (Dokku\'s clone/rename triggers)', async () => {
    await ok(['resource:limit', '--memory', '300', 'limited']);
    await ok(['apps:clone', '--skip-deploy', 'limited', 'limited-copy']);
    assert.equal((await ok(['resource:report', 'limited-copy', '--resource-_default_.limit.memory'])).stdout, '300');
    await ok(['apps:rename', 'limited-copy', 'limited-two']);
    assert.equal((await ok(['resource:report', 'limited-two', '--resource-_default_.limit.memory'])).stdout, '300');
  });

  describe('docker-local sets them on the containers it creates (real Docker Engine)', function () {
    const APP = `resapp-${TEST_RUN}`.toLowerCase();
    let docker: DockerClient | undefined;

    before(async function () {
      docker = await dockerOrSkip(this);
      await ensureBaseImage(docker, testLabels());
    });
    after(async function () {
      // The server removes what it runs first, so nothing here races its own removals.
      await server?.stop();
      if (docker === undefined || !(await docker.ping())) return;
      await docker.removeByLabels({ [LABEL.app]: APP });
    });

    it('the web type\'s own memory limit wins over the default; cpu, swap and the reservation apply; a cleared limit is gone after a restart', async () => {
      await ok(['apps:create', APP]);
      await ok(['scheduler:set', APP, 'selected', 'docker-local']);
      await ok(['resource:limit', '--memory', '64', '--cpu', '0.5', APP]);
      await ok(['resource:limit', '--process-type', 'web', '--memory', '96m', '--memory-swap', '192m', APP]);
      await ok(['resource:reserve', '--memory', '32', APP]);
      await ok(['resource:limit', '--process-type', 'build', '--memory', '512m', APP]);
      const dockerfile = fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'docker', 'web-app', 'Dockerfile'), 'utf8');
      // A build step reads its own cgroup's memory limit (v1, else v2).
      const probe = 'RUN echo "build memory limit: $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"\n';
      const app = await appWork(server, { fixture: '../docker/web-app', files: { Dockerfile: dockerfile + probe } });
      const pushed = await app.push(APP);
      assert.equal(pushed.exitCode, 0, String(pushed.stderr));
      assert.match(String(pushed.stderr), new RegExp(`build memory limit: ${512 * 1024 * 1024}\\s*$`, 'm'), String(pushed.stderr));
      assert.equal((await get(server.httpPort, `${APP}.localhost`)).status, 200);
      const MiB = 1024 * 1024;
      let [doc] = JSON.parse((await ok(['ps:inspect', APP])).stdout) as Inspected[];
      assert.equal(doc.HostConfig.Memory, 96 * MiB);
      assert.equal(doc.HostConfig.MemorySwap, 192 * MiB);
      assert.equal(doc.HostConfig.NanoCpus, 500_000_000);
      assert.equal(doc.HostConfig.MemoryReservation, 32 * MiB);

      await ok(['resource:limit-clear', APP]);
      await ok(['resource:reserve-clear', APP]);
      await ok(['checks:set', APP, 'wait-to-retire', '0']); // ps:inspect then sees the new container only
      await ok(['ps:restart', APP]);
      // The old container is removed just after the switch: wait until only the new one is listed.
      [doc] = await eventually(async () => {
        // ps:inspect may name a container removed while it was listing: ask again then.
        const r = await server.ssh(['ps:inspect', APP]);
        const docs = r.code === 0 ? JSON.parse(r.stdout) as Inspected[] : [];
        return docs.length === 1 ? docs : undefined;
      }, 200);
      assert.equal(doc.HostConfig.Memory, 0);
      assert.equal(doc.HostConfig.NanoCpus, 0);
      assert.equal(doc.HostConfig.MemoryReservation, 0);
    });
  });
});
