// The whole issue as a user sees it: `git push` over the real OpenSSH client to a real
// `slipway serve`, build output as remote: lines, the app served by the proxy, then ps/logs/run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, gitClientEnv } from '../helpers/server.js';
import { fixtures, get, eventually } from './helpers.js';

describe('git push deploys (real server, git and OpenSSH)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let work: string;
  let env: Record<string, string>;

  const git = (args: string[]) => execa('git', args, { cwd: work, env, extendEnv: false, reject: false });

  before(async () => {
    server = await TestServer.start();
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    env = gitClientEnv(server.admin, home);
    work = path.join(server.dir, 'work');
    fs.cpSync(path.join(fixtures, 'node-app'), work, { recursive: true });
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'v1']]) {
      const r = await git(args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
  });
  after(async () => { await server?.stop(); });

  it('a push builds, releases and serves the app; progress arrives as remote: lines', async () => {
    assert.equal((await server.ssh(['apps:create', 'pushed'])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', 'pushed', 'GREETING=over-ssh'])).code, 0);
    const push = await git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/pushed`, 'main']);
    assert.equal(push.exitCode, 0, push.stderr);
    assert.match(push.stderr, /^remote: -----> Building pushed with the native builder/m);
    assert.match(push.stderr, /^remote: -----> Switching traffic to v1/m);
    assert.deepEqual(await get(server.httpPort, 'pushed.localhost'), { status: 200, body: 'v1 web.1 over-ssh' });
  });

  it('a push whose app fails to start is refused and the old release keeps serving', async () => {
    fs.writeFileSync(path.join(work, 'Procfile'), 'web: node -e "process.exit(2)"\n');
    await git(['commit', '-qam', 'broken']);
    const push = await git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/pushed`, 'main']);
    assert.notEqual(push.exitCode, 0);
    assert.match(push.stderr, /web\.1 exited with code 2 before it accepted connections/);
    assert.equal((await get(server.httpPort, 'pushed.localhost')).body, 'v1 web.1 over-ssh');
  });

  it('ps, logs, run and releases work over ssh and from the local CLI (through the server)', async () => {
    const report = await server.ssh(['ps:report', 'pushed']);
    assert.match(report.stdout, /Status web 1: +running/);
    const run = await server.ssh(['run', 'pushed', 'echo', '$GREETING']);
    assert.deepEqual([run.code, run.stdout], [0, 'over-ssh']);
    const failing = await server.ssh(['run', 'pushed', 'exit 42']);
    assert.equal(failing.code, 42);
    // Each word stays a word (Dokku's run): the remote line `run pushed sh -c 'exit 3'` exits 3.
    assert.equal((await server.ssh(['run', 'pushed', 'sh', '-c', "'exit 3'"])).code, 3);
    await get(server.httpPort, 'pushed.localhost', '/seen-in-logs');
    const logs = await eventually(async () => {
      const r = await server.ssh(['logs', 'pushed', '-n', '20']);
      return r.stdout.includes('request GET /seen-in-logs') ? r : undefined;
    });
    assert.equal(logs.code, 0);
    const releases = await server.dokku(['releases', 'pushed']);
    assert.match(releases.stdout, /^ {7}v2 .* failed$/m);
    assert.match(releases.stdout, /^ {7}v1 .* admin +current$/m);
  });
});
