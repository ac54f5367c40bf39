// builds:* as a Dokku user meets them (Dokku's builds plugin, 0.38): every push leaves a record
// and a log; list/info/output/report/set/prune read them; builds:cancel stops a slow build while
// the old release keeps serving. Real server, real OpenSSH client, real git pushes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, gitClientEnv, sshOptions } from '../helpers/server.js';
import { fixtures, get, eventually } from '../deploy/helpers.js';

interface BuildView { id: string; app: string; kind: string; status: string; display_status: string; source: string; exit_code?: number; log_path: string }

describe('builds:* (real server, git and OpenSSH)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let env: Record<string, string>;

  const git = (cwd: string, args: string[]) => execa('git', args, { cwd, env, extendEnv: false, reject: false });
  const remote = (app: string) => `ssh://dokku@127.0.0.1:${server.sshPort}/${app}`;

  async function repo(name: string): Promise<string> {
    const dir = path.join(server.dir, name);
    fs.cpSync(path.join(fixtures, 'node-app'), dir, { recursive: true });
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'v1']]) {
      const r = await git(dir, args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    return dir;
  }

  async function builds(app: string, ...extra: string[]): Promise<BuildView[]> {
    const r = await server.ssh(['builds:list', app, '--format', 'json', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as BuildView[];
  }

  before(async () => {
    server = await TestServer.start();
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    env = gitClientEnv(server.admin, home);
  });
  after(async () => { await server?.stop(); });

  it('records each push: list, info, output and report after a good and a failed push', async () => {
    const work = await repo('hist');
    assert.equal((await server.ssh(['apps:create', 'hist'])).code, 0);
    const empty = await server.ssh(['builds:list', 'hist']);
    assert.deepEqual([empty.code, empty.stdout], [0, 'No builds recorded for this app']);
    assert.equal((await git(work, ['push', remote('hist'), 'main'])).exitCode, 0);
    fs.writeFileSync(path.join(work, 'Procfile'), 'web: node -e "process.exit(2)"\n');
    await git(work, ['commit', '-qam', 'broken']);
    const failed = await git(work, ['push', remote('hist'), 'main']);
    assert.notEqual(failed.exitCode, 0);

    const [newest, oldest] = await builds('hist');
    assert.equal((await builds('hist')).length, 2);
    assert.deepEqual([newest.kind, newest.source, newest.display_status, newest.exit_code], ['build', 'git-hook', 'failed', 1]);
    assert.deepEqual([oldest.status, oldest.exit_code], ['succeeded', 0]);
    assert.match(newest.id, /^[0-9a-z]{14}$/);
    assert.ok(newest.id > oldest.id, 'ids sort by start time');

    const table = await server.ssh(['builds:list', 'hist']);
    const lines = table.stdout.split('\n');
    assert.match(lines[0], /^Build ID +Kind +Status +PID +Source +Started +Duration$/);
    assert.match(lines[1], new RegExp(`^${newest.id} +build +failed +\\d+ +git-hook +\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z +\\d+(m\\d+)?s$`));
    assert.match(lines[2], new RegExp(`^${oldest.id} +build +succeeded `));
    assert.equal((await builds('hist', '--status', 'succeeded')).length, 1);
    assert.equal((await builds('hist', '--kind', 'deploy')).length, 0);

    const info = await server.ssh(['builds:info', 'hist', oldest.id]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, new RegExp(`^=====> Build ${oldest.id}$`, 'm'));
    assert.match(info.stdout, /^ {7}Status: +succeeded$/m);
    assert.match(info.stdout, /^ {7}Exit Code: +0$/m);
    assert.match(info.stdout, /^ {7}Log: +\/.*\.log$/m);
    const infoJson = JSON.parse((await server.ssh(['builds:info', 'hist', newest.id, '--format', 'json'])).stdout) as BuildView;
    assert.deepEqual([infoJson.id, infoJson.app, infoJson.display_status], [newest.id, 'hist', 'failed']);

    // The log holds what the pusher saw, the failure line included.
    const good = await server.ssh(['builds:output', 'hist', oldest.id]);
    assert.equal(good.code, 0);
    assert.match(good.stdout, /^-----> Building hist with the native builder$/m);
    assert.match(good.stdout, /^-----> Switching traffic to v1$/m);
    const bad = await server.ssh(['builds:output', 'hist', newest.id]);
    assert.match(bad.stdout, /web\.1 exited with code 2 before it accepted connections/);
    const current = await server.ssh(['builds:output', 'hist', 'current']);
    assert.deepEqual([current.code, current.stdout], [0, '-----> App not currently deploying']);

    const report = await server.ssh(['builds:report', 'hist']);
    assert.match(report.stdout, /^=====> hist builds information$/m);
    assert.match(report.stdout, new RegExp(`^ {7}Build id: +${newest.id}$`, 'm'));
    assert.match(report.stdout, /^ {7}Builds computed retention: +20$/m);
    assert.deepEqual((await server.ssh(['builds:report', 'hist', '--build-status'])).stdout, 'failed');
    const json = JSON.parse((await server.ssh(['builds:report', 'hist', '--format', 'json'])).stdout) as Record<string, string>;
    assert.deepEqual([json['build-status'], json['computed-retention'], json['builds-computed-retention'], json.retention], ['failed', '20', '20', '']);
  });

  it('set retention, prune, and Dokku\'s messages and exit codes for bad input', async () => {
    const bad = async (args: string[], message: RegExp, code = 1) => {
      const r = await server.ssh(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, message);
    };
    await bad(['builds:list', 'hist', '--format', 'xml'], /Invalid format specified, supported formats: json, stdout/);
    await bad(['builds:list', 'hist', '--kind', 'nope'], /Invalid --kind value "nope" \(allowed: build, deploy\)/);
    await bad(['builds:list', 'hist', '--status', 'nope'], /Invalid --status value "nope"/);
    await bad(['builds:info', 'hist'], /Please specify a build id/);
    await bad(['builds:info', 'hist', '0000000000zzzz'], /No build record found for hist\/0000000000zzzz/);
    await bad(['builds:info', 'hist', '../../etc'], /No build record found for hist\/\.\.\/\.\.\/etc/);
    await bad(['builds:info', 'nosuchapp', 'x'], /App nosuchapp does not exist/, 20); // Dokku's verify_app_name exit
    await bad(['builds:set', 'hist', 'colour', 'red'], /Invalid property "colour" \(allowed: retention\)/);
    await bad(['builds:set', 'hist', 'retention', 'many'], /Invalid retention "many": must be a positive integer/);
    await bad(['builds:set', 'hist', 'retention', '0'], /Invalid retention 0: must be >= 1/);

    const set = await server.ssh(['builds:set', 'hist', 'retention', '1']);
    assert.deepEqual([set.code, set.stdout], [0, '=====> Setting retention to 1']);
    assert.equal((await builds('hist')).length, 1, 'list shows only the retained count');
    assert.equal((await server.ssh(['builds:prune', 'hist'])).code, 0);
    assert.equal((await builds('hist', '--status', 'succeeded')).length, 0, 'prune removed the older record');
    assert.equal((await server.ssh(['builds:set', '--global', 'retention', '7'])).code, 0);
    assert.equal((await server.ssh(['builds:set', 'hist', 'retention'])).stdout, '=====> Unsetting retention');
    assert.equal((await server.ssh(['builds:report', 'hist', '--builds-computed-retention'])).stdout, '7');
    assert.equal((await server.ssh(['builds:report', '--global', '--builds-global-retention'])).stdout, '7');
    assert.equal((await server.ssh(['builds:prune', '--all-apps'])).code, 0);
    const running = await server.ssh(['builds:list']);
    assert.deepEqual([running.code, running.stdout], [0, 'No builds currently running']);
    // Redeploys without a build are recorded too, as kind deploy (Dokku's sources).
    assert.equal((await server.ssh(['ps:restart', 'hist'])).code, 0);
    assert.equal((await server.ssh(['config:set', 'hist', 'SEEN=1'])).code, 0);
    const redeploys = await builds('hist', '--kind', 'deploy');
    assert.deepEqual(redeploys.map((b) => [b.source, b.status]), [['config-redeploy', 'succeeded'], ['ps:restart', 'succeeded']]);
    assert.match((await server.ssh(['builds:output', 'hist', redeploys[1].id])).stdout, /^-----> Restarting hist$/m);
  });

  it('builds:cancel stops a slow build (its process group too); the old release keeps serving', async () => {
    const work = await repo('slow');
    const pidFile = path.join(server.dir, 'slow-build.pid');
    assert.equal((await server.ssh(['apps:create', 'slow'])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', 'slow', 'npm_config_offline=true', `BUILD_PID_FILE=${pidFile}`])).code, 0);
    assert.equal((await git(work, ['push', remote('slow'), 'main'])).exitCode, 0);
    assert.equal((await get(server.httpPort, 'slow.localhost')).body.split(' ')[0], 'v1');

    const sleeper = "require('fs').writeFileSync(process.env.BUILD_PID_FILE, String(process.pid)); console.log(['slow', 'build', 'started'].join('-')); setTimeout(() => {}, 600000)";
    fs.writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'slow', version: '1.0.0', private: true, scripts: { build: `node -e "${sleeper}"` } }, null, 2));
    fs.writeFileSync(path.join(work, 'version.txt'), 'v2\n');
    await git(work, ['add', '-A']);
    await git(work, ['commit', '-qm', 'slow build']);
    const push = git(work, ['push', remote('slow'), 'main']);

    const [live] = await eventually(async () => {
      const running = await builds('slow', '--status', 'running');
      return running.length ? running : undefined;
    }, 200);
    const all = JSON.parse((await server.ssh(['builds:list', '--format', 'json'])).stdout) as BuildView[];
    assert.deepEqual(all.map((b) => [b.app, b.id]), [['slow', live.id]]);

    // A follower of the live build's output: it ends by itself when the build does.
    let followed = '';
    const follower = execa('ssh', [...sshOptions(server.sshPort, server.admin), '--', 'dokku@127.0.0.1', 'builds:output', 'slow', 'current'], { reject: false });
    follower.stdout?.on('data', (chunk: Buffer) => { followed += chunk.toString(); });
    await eventually(async () => (followed.includes('slow-build-started') ? true : undefined), 200);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));

    const cancel = await server.ssh(['builds:cancel', 'slow']);
    assert.deepEqual([cancel.code, cancel.stdout], [0, '-----> Killing app deploy']);
    const pushed = await push;
    assert.notEqual(pushed.exitCode, 0);
    assert.equal(pushed.stderr.split('\n').filter((l) => /was canceled/.test(l)).length, 1, pushed.stderr);
    assert.match(pushed.stderr, new RegExp(`Build ${live.id} was canceled \\(builds:cancel slow\\)`));
    const followedTo = await follower;
    assert.equal(followedTo.exitCode, 0);
    assert.match(followed, /was canceled/);

    await eventually(async () => {
      try { process.kill(pid, 0); return undefined; } catch { return true; }
    }, 200);
    const [record] = await builds('slow');
    assert.deepEqual([record.id, record.status, record.exit_code], [live.id, 'canceled', -1]);
    assert.equal((await get(server.httpPort, 'slow.localhost')).body.split(' ')[0], 'v1');
    const idle = await server.ssh(['builds:cancel', 'slow']);
    assert.deepEqual([idle.code, idle.stdout], [0, '-----> App not currently deploying']);
  });
});
