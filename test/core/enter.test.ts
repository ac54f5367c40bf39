// enter as Dokku documents it: `enter APP [TYPE|TYPE.N|--container-id ID] [CMD…]` runs a command
// beside a running process of the app — docker-local: `docker exec` in its container; process: in
// its working directory with its environment — exits with the command's code, and answers Dokku's
// lines when the type is missing or ambiguous or the id unknown. Real server, OpenSSH and git push;
// the Docker part skips, saying why, without an engine.
import assert from 'node:assert/strict';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';

describe('enter (real server, OpenSSH and git push)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let docker: DockerClient | undefined;
  const DOCKER_APP = `enterapp-${TEST_RUN}`.toLowerCase();
  const ok = async (args: string[], input = '') => {
    const r = await server.ssh(args, { input });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const bad = async (args: string[], lines: RegExp[], code = 1) => {
    const r = await server.ssh(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout}`);
    for (const line of lines) assert.match(r.stderr, line);
    return r.stderr;
  };

  before(async () => {
    server = await TestServer.start();
    await ok(['apps:create', 'inside']);
    await ok(['config:set', '--no-restart', 'inside', 'GREETING=hello-from-config']);
    const app = await appWork(server);
    const pushed = await app.push('inside');
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
  });
  after(async () => {
    await server?.stop();
    if (docker !== undefined && (await docker.ping())) await docker.removeByLabels({ [LABEL.app]: DOCKER_APP });
  });

  it('process scheduler: runs in the process\'s directory with its environment, passes stdin, exits with the command\'s code', async () => {
    const seen = await ok(['enter', 'inside', 'web', 'sh', '-c', '\'echo "$DYNO $GREETING $(pwd)"\'']);
    assert.match(seen, /^web\.1 hello-from-config \S+\/releases\/inside\/v1$/);
    assert.equal(await ok(['enter', 'inside', 'web.1', '--', 'cat'], 'typed into enter\n'), 'typed into enter');
    // Only web runs: no type needed. No command: the shell (/bin/bash) reads stdin.
    assert.equal(await ok(['enter', 'inside'], 'echo "shell in $DYNO"\n'), 'shell in web.1');
    const r = await server.ssh(['enter', 'inside', 'web', 'sh', '-c', '\'exit 7\'']);
    assert.equal(r.code, 7);
  });

  it('Dokku\'s answers: two running types and none named, an unknown type, an unknown id (then a listed id works)', async () => {
    await ok(['ps:scale', 'inside', 'worker=1']);
    await bad(['enter', 'inside', 'true'], [/^ !     No containers found for type 'true'$/m, /^ !     Available types for app \(inside\): web worker$/m]);
    await bad(['enter', 'inside'], [/^ !     No container type specified\.$/m, /^ !     Available types for app \(inside\): web worker$/m]);
    assert.equal(await ok(['enter', 'inside', 'worker', 'sh', '-c', '\'echo $DYNO\'']), 'worker.1');
    const stderr = await bad(['enter', 'inside', '--container-id', 'nosuchid', 'true'], [/^ !     Invalid container id for app: nosuchid$/m]);
    const ids = /Available ids for app \(inside\): (.+)$/m.exec(stderr)?.[1].trim().split(' ') ?? [];
    assert.equal(ids.length, 2, stderr);
    const dynos = await Promise.all(ids.map((id) => ok(['enter', 'inside', `--container-id=${id}`, 'sh', '-c', '\'echo $DYNO\''])));
    assert.deepEqual(dynos.sort(), ['web.1', 'worker.1']);
  });

  it('a missing app is exit 20, an app that runs nothing says so, and enter is in help --all', async () => {
    await bad(['enter', 'nosuchapp', 'web', 'true'], [/App nosuchapp does not exist/], 20);
    await ok(['apps:create', 'idle']);
    await bad(['enter', 'idle', 'web', 'true'], [/No containers found for type 'web'/]);
    await bad(['enter', 'idle'], [/No containers found for app/]);
    assert.match(await ok(['help', '--all']), /^ +enter <app> \[<process-type>\|--container-id <container-id>\]/m);
  });

  describe('docker-local: docker exec in the app\'s container (real Docker Engine)', function () {
    before(async function () {
      docker = await dockerOrSkip(this);
      await ensureBaseImage(docker, testLabels());
    });

    it('runs in the container (its env, its files), by type or by container id prefix, with stdin and the exit code', async () => {
      await ok(['apps:create', DOCKER_APP]);
      await ok(['scheduler:set', DOCKER_APP, 'selected', 'docker-local']);
      const app = await appWork(server, { fixture: '../docker/web-app' });
      const pushed = await app.push(DOCKER_APP);
      assert.equal(pushed.exitCode, 0, String(pushed.stderr));
      assert.equal(await ok(['enter', DOCKER_APP, 'web', 'sh', '-c', '\'echo "$DYNO $(cat /www/greeting.txt)"\'']), 'web.1 unset');
      assert.equal(await ok(['enter', DOCKER_APP, 'web', 'cat'], 'into the container\n'), 'into the container');
      const r = await server.ssh(['enter', DOCKER_APP, 'web', 'sh', '-c', '\'exit 5\'']);
      assert.equal(r.code, 5);
      const [doc] = JSON.parse(await ok(['ps:inspect', DOCKER_APP])) as Array<{ Id: string }>;
      assert.equal(await ok(['enter', DOCKER_APP, '--container-id', doc.Id.slice(0, 12), 'hostname']).then((s) => s.length > 0), true);
      await bad(['enter', DOCKER_APP, '--container-id', 'ffffffffffff', 'true'], [/Invalid container id for app: ffffffffffff/, new RegExp(`Available ids for app \\(${DOCKER_APP}\\): ${doc.Id}`)]);
    });
  });
});
