// `deploy APP [TAG]` and `cleanup` on docker-local (real server, OpenSSH, git push, Docker Engine):
// deploy starts the current image again without a build; cleanup removes this installation's
// exited containers that no serving release owns, and leaves another installation's alone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { instanceId, ownLabels } from '../../src/scheduler/docker-local/naming.js';
import { TestServer, repoRoot } from '../helpers/server.js';
import { BASE_IMAGE, ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';
import { appWork } from '../helpers/app-work.js';
import { get, eventually } from '../deploy/helpers.js';

const APP = `cleanapp-${TEST_RUN}`.toLowerCase();

describe('deploy and cleanup on docker-local (real server, ssh, git, Docker Engine)', function () {
  this.timeout(300_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;
  const engine = (): DockerClient => { if (!docker) throw new Error('no engine'); return docker; };
  const running = (): TestServer => { if (!server) throw new Error('no server'); return server; };

  /** An exited container under these labels (busybox `true`), as a finished one-off leaves it. */
  async function exitedContainer(labels: Record<string, string>): Promise<string> {
    const id = await engine().createContainer({ image: BASE_IMAGE, cmd: ['true'], network: 'none', labels: { ...testLabels(), ...labels } });
    await engine().startContainer(id);
    await eventually(async () => ((await engine().inspectContainer(id)).running ? undefined : true), 100);
    return id;
  }

  before(async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
    const work = await appWork(server, { fixture: null, files: Object.fromEntries(
      ['Dockerfile', 'www/index.html'].map((f) => [f, fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'docker', 'web-app', f), 'utf8')]),
    ) });
    const pushed = await work.push(APP);
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
    assert.equal((await get(server.httpPort, `${APP}.localhost`)).status, 200);
  });

  after(async () => {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    await docker.removeByLabels({ [LABEL.app]: APP });
    await docker.removeByLabels(testLabels());
  });

  it('deploy APP starts the current image again through docker-local (no build); a stopped app too', async () => {
    const r = await running().ssh(['deploy', APP]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^-----> Deploying ${APP} via the docker-local scheduler\\.\\.\\.$`, 'm'));
    assert.doesNotMatch(r.stdout, /Step 1\//);
    assert.equal((await running().ssh(['ps:stop', APP])).code, 0);
    assert.equal((await running().ssh(['deploy', APP, 'latest'])).code, 0);
    assert.equal((await get(running().httpPort, `${APP}.localhost`)).status, 200);
  });

  it('cleanup APP removes its exited one-off container, keeps the serving one and another installation\'s', async () => {
    const mine = await exitedContainer({ ...ownLabels(instanceId(running().home)), [LABEL.app]: APP, [LABEL.oneOff]: 'true' });
    const theirs = await exitedContainer({ ...ownLabels('another-installation'), [LABEL.app]: APP, [LABEL.oneOff]: 'true' });
    const r = await running().ssh(['cleanup', APP]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----> Cleaning up\.\.\.$/m);
    assert.match(r.stdout, new RegExp(`${APP}: removed 1 container\\(s\\)`));
    const ids = (await engine().listContainers({ [LABEL.app]: APP }, { all: true })).map((c) => c.id);
    assert.ok(!ids.includes(mine), 'own exited container removed');
    assert.ok(ids.includes(theirs), 'another installation\'s container kept');
    assert.equal((await get(running().httpPort, `${APP}.localhost`)).status, 200);
    await engine().removeContainer(theirs, { force: true });
  });
});
