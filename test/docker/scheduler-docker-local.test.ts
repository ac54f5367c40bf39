// scheduler-docker-local:set|report as Dokku has them (real server, OpenSSH, git push, real Docker
// Engine): containers get the engine's init unless init-process is false, and with
// parallel-schedule-count every process type still starts (web first, the others in batches).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer, repoRoot } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { get } from '../deploy/helpers.js';

const APP = `dlocal-${TEST_RUN}`.toLowerCase();

interface Inspected { Name: string; HostConfig: { Init: boolean | null }; Config: { Labels: Record<string, string> } }

describe('scheduler-docker-local:set|report (real server, OpenSSH, git push, Docker Engine)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let docker: DockerClient | undefined;
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const inspect = async (): Promise<Inspected[]> => JSON.parse((await ok(['ps:inspect', APP])).stdout) as Inspected[];

  before(async () => {
    server = await TestServer.start({ env: { SLIPWAY_DOCKER_NETWORK: 'host' } });
    await ok(['apps:create', APP]);
  });
  after(async () => {
    await server?.stop();
    if (docker !== undefined && (await docker.ping())) await docker.removeByLabels({ [LABEL.app]: APP });
  });

  it('sets, reports and clears both properties with Dokku\'s words; refuses bad keys and values', async () => {
    assert.equal((await ok(['scheduler-docker-local:report', APP, '--scheduler-docker-local-computed-init-process'])).stdout, 'true');
    assert.equal((await ok(['scheduler-docker-local:report', APP, '--scheduler-docker-local-computed-parallel-schedule-count'])).stdout, '1');
    assert.equal((await ok(['scheduler-docker-local:set', APP, 'parallel-schedule-count', '3'])).stdout, '=====> Setting parallel-schedule-count to 3');
    await ok(['scheduler-docker-local:set', '--global', 'init-process', 'false']);
    const json = JSON.parse((await ok(['scheduler-docker-local:report', APP, '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json['computed-init-process'], 'false');
    assert.equal(json['global-init-process'], 'false');
    assert.equal(json['init-process'], '');
    assert.equal(json['computed-parallel-schedule-count'], '3');
    assert.equal((await ok(['scheduler-docker-local:set', '--global', 'init-process'])).stdout, '=====> Unsetting init-process');
    assert.equal((await ok(['scheduler-docker-local:report', APP, '--scheduler-docker-local-computed-init-process'])).stdout, 'true');
    const cases: Array<[string[], RegExp]> = [
      [['scheduler-docker-local:set', APP], /No key specified/],
      [['scheduler-docker-local:set', APP, 'nope', '1'], /Invalid key specified, valid keys include: init-process, parallel-schedule-count/],
      [['scheduler-docker-local:set', APP, 'init-process', 'maybe'], /Invalid init-process/],
      [['scheduler-docker-local:set', APP, 'parallel-schedule-count', '0'], /Invalid parallel-schedule-count/],
      [['scheduler-docker-local:set', 'ghost', 'init-process', 'false'], /App ghost does not exist/],
    ];
    for (const [args, message] of cases) {
      const r = await server.ssh(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message);
    }
    assert.equal((await ok(['scheduler-docker-local:report', APP, '--scheduler-docker-local-parallel-schedule-count'])).stdout, '3', 'a refused value changed nothing');
  });

  it('containers run with the engine\'s init by default and without it once init-process is false; every process type starts', async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    await ok(['scheduler:set', APP, 'selected', 'docker-local']);
    const web = path.join(repoRoot, 'test', 'fixtures', 'docker', 'web-app');
    const files: Record<string, string> = {
      Dockerfile: fs.readFileSync(path.join(web, 'Dockerfile'), 'utf8'),
      Procfile: 'web: exec httpd -f -p 127.0.0.1:$PORT -h /www\nworker: exec sleep 3600\nclock: exec sleep 3600\n',
    };
    for (const name of fs.readdirSync(path.join(web, 'www'))) files[`www/${name}`] = fs.readFileSync(path.join(web, 'www', name), 'utf8');
    await ok(['ps:scale', APP, 'worker=1', 'clock=1']);
    const push = await (await appWork(server, { fixture: null, files })).push(APP);
    assert.equal(push.exitCode, 0, String(push.stderr));
    assert.equal((await get(server.httpPort, `${APP}.localhost`, '/greeting.txt')).status, 200);
    const containers = await inspect();
    assert.deepEqual(containers.map((c) => c.Config.Labels[LABEL.process] ?? '').sort(), ['clock', 'web', 'worker']);
    assert.ok(containers.every((c) => c.HostConfig.Init === true), `the engine's init runs as PID 1: ${JSON.stringify(containers.map((c) => c.HostConfig))}`);

    await ok(['scheduler-docker-local:set', APP, 'init-process', 'false']);
    await ok(['ps:restart', APP]);
    // The old generation may still be retiring beside the new one (checks' wait-to-retire).
    const fresh = (await inspect()).filter((c) => !c.HostConfig.Init);
    assert.deepEqual(fresh.map((c) => c.Config.Labels[LABEL.process] ?? '').sort(), ['clock', 'web', 'worker'], 'the restarted containers run without an init');
    assert.equal((await get(server.httpPort, `${APP}.localhost`, '/greeting.txt')).status, 200);
  });
});
