// run:logs, run:stop and cron concurrency_policy on the docker-local scheduler (real server,
// OpenSSH, git push, real Docker Engine): a detached run is a container; its output is in run:logs,
// run:stop removes the container, and a `forbid` cron task refuses a second run while one goes on.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer, repoRoot } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { eventually } from '../deploy/helpers.js';

const APP = `runstop-${TEST_RUN}`.toLowerCase();
const TASK = { command: 'sleep 1000', schedule: '@daily', concurrency_policy: 'forbid' };

describe('run:logs, run:stop, cron forbid on docker-local (real server, OpenSSH, git push, Docker Engine)', function () {
  this.timeout(300_000);
  let server: TestServer | undefined;
  let docker: DockerClient | undefined;
  const ok = async (args: string[]) => {
    const r = await server!.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** The app's one-off containers the engine has now. */
  const oneOffs = async () => (await docker!.listContainers({ [LABEL.app]: APP, [LABEL.process]: 'run' })).length;

  before(async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    server = await TestServer.start({ env: { SLIPWAY_DOCKER_NETWORK: 'host' } });
    await ok(['apps:create', APP]);
    await ok(['scheduler:set', APP, 'selected', 'docker-local']);
    const web = path.join(repoRoot, 'test', 'fixtures', 'docker', 'web-app');
    const files: Record<string, string> = {
      Dockerfile: fs.readFileSync(path.join(web, 'Dockerfile'), 'utf8'),
      'app.json': JSON.stringify({ cron: [TASK] }),
    };
    for (const name of fs.readdirSync(path.join(web, 'www'))) files[`www/${name}`] = fs.readFileSync(path.join(web, 'www', name), 'utf8');
    const push = await (await appWork(server, { fixture: null, files })).push(APP);
    assert.equal(push.exitCode, 0, String(push.stderr));
  });
  after(async () => {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    // The server's stop removes the cron run's container; the rest goes here (again while a removal is under way).
    await eventually(async () => docker!.removeByLabels({ [LABEL.app]: APP }).then(() => true, () => undefined), 200);
  });

  it('a detached run\'s output is in run:logs; run:stop removes its container', async () => {
    const name = await ok(['run:detached', APP, `'echo "$DYNO"; for i in 1 2; do echo "line $i"; done; sleep 1000'`]);
    assert.match(name, new RegExp(`^${APP}\\.run\\.\\d+$`));
    await eventually(async () => ((await oneOffs()) === 1 ? true : undefined), 100);
    const [container] = await docker!.listContainers({ [LABEL.app]: APP, [LABEL.process]: 'run' });
    assert.ok(container.name.replace(/^\//, '').startsWith(`${name}.`), `the container's name starts with the run's: ${container.name}`);
    const logs = await eventually(async () => {
      const text = await ok(['run:logs', '--container', name, '-q']);
      return text.includes('line 2') ? text : undefined;
    }, 100);
    assert.equal(logs, `${name.slice(APP.length + 1)}\nline 1\nline 2`, 'its DYNO, then its lines');
    assert.equal(await ok(['run:stop', APP]), name);
    assert.equal(await oneOffs(), 0, 'the container is gone');
    assert.equal(await ok(['run:stop', APP]), 'No run containers exist');
  });

  it('a forbid cron task refuses a second run while the first goes on', async () => {
    const id = JSON.parse(await ok(['cron:list', APP, '--format', 'json']))[0].id as string;
    const first = await ok(['cron:run', APP, id, '--detach']);
    assert.match(first, new RegExp(`^${APP}\\.cron\\.\\d+$`));
    await eventually(async () => ((await oneOffs()) === 1 ? true : undefined), 100);
    const second = await server!.ssh(['cron:run', APP, id, '--detach']);
    assert.deepEqual([second.code, second.stderr], [1, ` !     ${APP} currently has a cron lock in place for ${id}. Exiting...`]);
    assert.equal(await oneOffs(), 1, 'no second container');
  });

  it('the server\'s stop stops the cron run and removes its container', async () => {
    await server!.kill();
    assert.equal(await oneOffs(), 0);
  });
});
