// checks:* as a Dokku user meets them: a failing check refuses a push and the old release keeps
// serving; checks:skip lets it through with zero downtime, checks:disable stops the old processes
// first; report, set and run; Dokku's messages and exit codes. Real server, OpenSSH and git.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, gitClientEnv } from '../helpers/server.js';
import { fixtures, get, eventually } from '../deploy/helpers.js';

describe('checks:* (real server, git and OpenSSH)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let env: Record<string, string>;
  let work: string;

  const git = (args: string[]) => execa('git', args, { cwd: work, env, extendEnv: false, reject: false });
  const push = () => git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/guarded`, 'main']);
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const bad = async (args: string[], message: RegExp, code = 1) => {
    const r = await server.ssh(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, message);
  };
  /** Skipped or disabled checks switch before the new process listens: wait until it answers. */
  const serves = (version: string) => eventually(async () => {
    const reply = await get(server.httpPort, 'guarded.localhost').catch(() => undefined);
    return reply?.status === 200 && reply.body.startsWith(`${version} `) ? true : undefined;
  }, 100);
  async function commit(files: Record<string, string>, message: string): Promise<void> {
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(work, name), content);
    assert.equal((await git(['add', '-A'])).exitCode, 0);
    assert.equal((await git(['commit', '-qm', message])).exitCode, 0);
  }

  before(async () => {
    server = await TestServer.start();
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    env = gitClientEnv(server.admin, home);
    work = path.join(server.dir, 'guarded');
    fs.cpSync(path.join(fixtures, 'node-app'), work, { recursive: true });
    assert.equal((await git(['init', '-q', '-b', 'main'])).exitCode, 0);
    await commit({}, 'v1');
    await ok(['apps:create', 'guarded']);
    const first = await push();
    assert.equal(first.exitCode, 0, first.stderr);
  });
  after(async () => { await server?.stop(); });

  it('checks:run checks the running processes; a failing check refuses a push, the old release serves', async () => {
    const run = await ok(['checks:run', 'guarded']);
    assert.match(run, /^-----> Running pre-flight checks$/m);
    assert.match(run, /^-----> Running checks for app \(guarded\.web\.1\)$/m);
    assert.doesNotMatch(run, /guarded\.worker/, 'worker is scaled to 0');
    assert.match(await ok(['checks:run', 'guarded', 'web.1']), /Running checks for app \(guarded\.web\.1\)/);
    await bad(['checks:run', 'guarded', 'nope'], /Invalid process type specified \(guarded\.nope\)/);
    await bad(['checks:run', 'guarded', 'web.7'], /Invalid container index specified \(guarded\.web\.7\)/);

    await commit({ CHECKS: 'WAIT=0\nATTEMPTS=1\nTIMEOUT=5\n/ text-the-app-never-says\n', 'version.txt': 'v2\n' }, 'v2 with a failing check');
    const refused = await push();
    assert.notEqual(refused.exitCode, 0);
    assert.match(refused.stderr, /Health check failed: web\.1 GET \/ answered 200 without the expected content "text-the-app-never-says"/);
    assert.equal((await get(server.httpPort, 'guarded.localhost')).body.split(' ')[0], 'v1');
  });

  it('checks:skip lets the push through with zero downtime; report shows the lists', async () => {
    assert.equal(await ok(['checks:skip', 'guarded']), '-----> Skipping zero downtime for app (guarded)');
    assert.equal(await ok(['checks:report', 'guarded', '--checks-skipped-list']), '_all_');
    assert.equal(await ok(['checks:report', 'guarded', '--checks-disabled-list']), 'none');
    const pushed = await push();
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    assert.match(pushed.stderr, /Zero downtime checks skipped for guarded \(web\)/);
    assert.doesNotMatch(pushed.stderr, /Running 1 health check/);
    assert.doesNotMatch(pushed.stderr, /before the new ones start/);
    await serves('v2');
  });

  it('checks:disable stops the old processes before the new ones start, and the push goes through', async () => {
    assert.equal(await ok(['checks:disable', 'guarded', 'web']), '-----> Disabling zero downtime for app\'s (guarded) proctypes (web)');
    assert.equal(await ok(['checks:report', 'guarded', '--checks-disabled-list']), 'web');
    // Dokku keeps a bare _all_ in the other list when types are named.
    assert.equal(await ok(['checks:report', 'guarded', '--checks-skipped-list']), '_all_');
    await commit({ 'version.txt': 'v3\n' }, 'v3');
    const pushed = await push();
    assert.equal(pushed.exitCode, 0, pushed.stderr);
    const stopped = pushed.stderr.indexOf('Zero downtime is disabled for guarded (web): stopping v');
    const started = pushed.stderr.indexOf('Starting guarded v');
    assert.ok(stopped !== -1 && started !== -1 && stopped < started, pushed.stderr);
    await serves('v3');
    const run = await ok(['checks:run', 'guarded']);
    assert.match(run, /^-----> Zero downtime is disabled for app \(guarded\.web\)\. Skipping checks$/m);
  });

  it('checks:enable puts the checks back: checks:run and the next push fail on the check again', async () => {
    assert.equal(await ok(['checks:enable', 'guarded']), '-----> Enabling zero downtime for app\'s (guarded)');
    assert.equal(await ok(['checks:report', 'guarded', '--checks-disabled-list']), 'none');
    assert.equal(await ok(['checks:report', 'guarded', '--checks-skipped-list']), 'none');
    await bad(['checks:run', 'guarded'], /Health check failed: web\.1 GET \/ answered 200 without the expected content/);
    await commit({ 'version.txt': 'v4\n' }, 'v4');
    assert.notEqual((await push()).exitCode, 0);
    assert.equal((await get(server.httpPort, 'guarded.localhost')).body.split(' ')[0], 'v3');

    // Per type: skip web only, then enable web only.
    assert.equal(await ok(['checks:skip', 'guarded', 'web,worker']), '-----> Skipping zero downtime for app\'s (guarded) proctypes (web,worker)');
    assert.equal(await ok(['checks:report', 'guarded', '--checks-skipped-list']), 'web,worker');
    assert.equal(await ok(['checks:enable', 'guarded', 'web']), '-----> Enabling zero downtime for app\'s (guarded) proctypes (web)');
    assert.equal(await ok(['checks:report', 'guarded', '--checks-skipped-list']), 'worker');
  });

  it('report, set wait-to-retire, and bad input as Dokku answers it', async () => {
    const report = await ok(['checks:report', 'guarded']);
    assert.match(report, /^=====> guarded checks information$/m);
    assert.match(report, /^ {7}Checks disabled list: +none$/m);
    assert.match(report, /^ {7}Checks computed wait to retire: +10$/m);
    assert.equal(await ok(['checks:set', 'guarded', 'wait-to-retire', '0']), '=====> Setting wait-to-retire to 0');
    assert.equal(await ok(['checks:set', '--global', 'wait-to-retire', '30']), '=====> Setting wait-to-retire to 30');
    assert.equal(await ok(['checks:report', 'guarded', '--checks-computed-wait-to-retire']), '0');
    const json = JSON.parse(await ok(['checks:report', 'guarded', '--format', 'json'])) as Record<string, string>;
    assert.deepEqual(json, {
      'computed-wait-to-retire': '0', 'disabled-list': 'none', 'global-wait-to-retire': '30', 'skipped-list': 'worker', 'wait-to-retire': '0',
    });
    assert.equal(await ok(['checks:set', 'guarded', 'wait-to-retire']), '=====> Unsetting wait-to-retire');
    assert.equal(await ok(['checks:report', 'guarded', '--checks-computed-wait-to-retire']), '30');
    assert.equal(await ok(['checks:report', '--global', '--checks-global-wait-to-retire']), '30');

    await bad(['checks:set', 'guarded'], /No key specified/);
    await bad(['checks:set', 'guarded', 'attempts', '3'], /Invalid key specified, valid keys include: wait-to-retire/);
    await bad(['checks:set', 'guarded', 'wait-to-retire', 'soon'], /Invalid wait-to-retire value soon/);
    await bad(['checks:report', 'guarded', '--checks-nope'], /Invalid flag passed, valid flags: --checks-computed-wait-to-retire/);
    await bad(['checks:skip', 'nosuchapp'], /App nosuchapp does not exist/, 20);
    await bad(['checks:disable', 'guarded', 'web/../x'], /Invalid process type/);
    const help = await ok(['checks:help']);
    for (const command of ['checks:disable', 'checks:enable', 'checks:report', 'checks:run', 'checks:set', 'checks:skip']) assert.match(help, new RegExp(command));
  });
});
