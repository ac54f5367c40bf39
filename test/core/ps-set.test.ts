// ps:set, ps:restore and ps:retire as Dokku documents them (real server, OpenSSH, git push):
// Dokku's property messages and exit codes, --quiet, the report rows and --format json, and each
// property honoured — procfile-path by the next build, restart-policy by the process engine.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';
import { eventually } from '../deploy/helpers.js';

describe('ps:set, ps:restore, ps:retire (real server, git push, OpenSSH)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let work: AppWork;

  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const bad = async (args: string[], stderr: string | RegExp, code = 1) => {
    const r = await server.ssh(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout} ${r.stderr}`);
    if (typeof stderr === 'string') assert.equal(r.stderr, stderr);
    else assert.match(r.stderr, stderr);
  };
  const report = async (flag: string, app = 'psapp') => (await ok(['ps:report', app, flag])).stdout;

  before(async () => {
    server = await TestServer.start();
    work = await appWork(server);
    const pushed = await work.push('psapp');
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
  });
  after(async () => { await server?.stop(); });

  it('ps:set refuses as Dokku does (same checks, same words, same exit codes)', async () => {
    await bad(['ps:set', 'psapp'], ' !     No property specified');
    await bad(['ps:set', 'psapp', 'nope', 'x'],
      ' !     Invalid property specified, valid properties include: dockerfile-start-cmd, procfile-path, restart-policy, restore, skip-deploy, start-cmd, stop-timeout-seconds');
    await bad(['ps:set', '--global', 'restore', 'false'], ' !     Property cannot be specified globally');
    await bad(['ps:set', 'psapp', 'restart-policy', 'sometimes'], ' !     Invalid restart-policy specified');
    await bad(['ps:set', 'ghost', 'restart-policy', 'no'], ' !     App ghost does not exist', 20);
    await bad(['ps:set'], ' !     Please specify an app to run the command on');
    // Dokku's properties Slipway cannot honour are named, and refused with the reason.
    await bad(['ps:set', 'psapp', 'start-cmd', 'x'], /^ ! {5}Property start-cmd is not applicable to Slipway: /);
    await bad(['ps:set', 'psapp', 'procfile-path', '../outside'], /Invalid procfile-path/);
    await bad(['ps:set', 'psapp', 'stop-timeout-seconds', 'soon'], /Invalid stop-timeout-seconds value/);
  });

  it('ps:set sets and clears (app and --global); ps:report shows app, global and computed values', async () => {
    assert.equal((await ok(['ps:report', 'psapp', '--ps-computed-restart-policy'])).stdout, 'on-failure:10');
    assert.equal((await ok(['ps:set', 'psapp', 'restart-policy', 'always'])).stdout, '=====> Setting restart-policy to always');
    assert.equal((await ok(['--quiet', 'ps:set', '--global', 'stop-timeout-seconds', '7'])).stdout, '');
    assert.equal(await report('--ps-restart-policy'), 'always');
    assert.equal(await report('--ps-computed-restart-policy'), 'always');
    assert.equal(await report('--ps-global-restart-policy'), '');
    assert.equal(await report('--ps-stop-timeout-seconds'), '');
    assert.equal(await report('--ps-computed-stop-timeout-seconds'), '7');
    assert.equal((await ok(['ps:report', '--global', '--ps-global-stop-timeout-seconds'])).stdout, '7');
    assert.equal(await report('--ps-computed-procfile-path'), 'Procfile');

    const json = JSON.parse((await ok(['ps:report', 'psapp', '--format', 'json'])).stdout) as Record<string, string>;
    // Dokku's keys without the prefix, and (EmitLegacyPrefix) with it.
    assert.equal(json['restart-policy'], 'always');
    assert.equal(json['ps-restart-policy'], 'always');
    assert.equal(json['computed-stop-timeout-seconds'], '7');
    assert.equal(json['global-procfile-path'], '');
    const block = (await ok(['ps:report', 'psapp'])).stdout;
    assert.match(block, /^=====> psapp ps information$/m);
    assert.match(block, /^ {7}Ps computed restart policy: +always$/m);

    assert.equal((await ok(['ps:set', 'psapp', 'restart-policy'])).stdout, '=====> Unsetting restart-policy');
    assert.equal((await ok(['ps:set', '--global', 'stop-timeout-seconds'])).stdout, '=====> Unsetting stop-timeout-seconds');
    assert.equal(await report('--ps-computed-restart-policy'), 'on-failure:10');
    assert.equal(await report('--ps-computed-stop-timeout-seconds'), '10');
  });

  it('restart-policy no: a process that dies stays down; the default restarts it', async () => {
    const pidOf = async () => {
      const status = await report('--status-web.1');
      return /^running \(pid (\d+)/.exec(status)?.[1];
    };
    const first = Number(await eventually(pidOf, 100));
    process.kill(first, 'SIGKILL');
    // Default (on-failure:10): started again, with a new pid.
    await eventually(async () => { const pid = await pidOf(); return pid && Number(pid) !== first ? pid : undefined; }, 100);

    await ok(['ps:set', 'psapp', 'restart-policy', 'no']);
    await ok(['ps:restart', 'psapp']);
    const second = Number(await eventually(pidOf, 100));
    process.kill(second, 'SIGKILL');
    const status = await eventually(async () => { const s = await report('--status-web.1'); return s.startsWith('crashed') ? s : undefined; }, 100);
    assert.match(status, /^crashed \(pid -/);
    const logs = await ok(['logs', 'psapp', '-p', 'web']);
    assert.match(logs.stdout, /web\.1 exited with signal SIGKILL; not restarted \(restart-policy no\)/);
    await ok(['ps:set', 'psapp', 'restart-policy']);
    await ok(['ps:restart', 'psapp']);
  });

  it('procfile-path: the next build reads the Procfile there', async () => {
    fs.mkdirSync(path.join(work.work, 'deploy'));
    fs.writeFileSync(path.join(work.work, 'deploy', 'Procfile.alt'), 'web: node server.cjs\nclock: node worker.cjs\n');
    for (const args of [['add', '-A'], ['commit', '-qm', 'alt procfile']]) assert.equal((await work.git(args)).exitCode, 0);
    assert.equal((await ok(['ps:set', 'psapp', 'procfile-path', 'deploy/Procfile.alt'])).stdout, '=====> Setting procfile-path to deploy/Procfile.alt');
    assert.equal(await report('--ps-computed-procfile-path'), 'deploy/Procfile.alt');
    const pushed = await work.push('psapp');
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
    assert.match(String(pushed.stderr), /Reading the Procfile from deploy\/Procfile\.alt \(ps:set procfile-path\)/);
    const scale = (await ok(['ps:scale', 'psapp', '--format', 'json'])).stdout;
    assert.deepEqual(JSON.parse(scale), [{ process_type: 'clock', quantity: 0 }, { process_type: 'web', quantity: 1 }]);
  });

  it('ps:restore starts what should run, skips a stopped app and an undeployed one, with Dokku\'s warnings', async () => {
    await ok(['apps:create', 'idle']);
    await ok(['ps:stop', 'psapp']);
    assert.equal(await report('--running'), 'false');
    const skipped = await ok(['ps:restore', 'psapp']);
    assert.equal(skipped.stderr, ' !     Skipping ps:restore for psapp as restore property is false');
    assert.equal(await report('--running'), 'false');
    const undeployed = await ok(['ps:restore', 'idle']);
    assert.equal(undeployed.stderr, ' !     App idle has not been deployed');

    // Stopped, but its restore property says it should run (as after a crash of the host).
    await ok(['ps:set', 'psapp', 'restore', 'true']);
    const all = await ok(['ps:restore']);
    assert.match(all.stderr, /^ ! {5}Restore specified without app, assuming --all$/m);
    assert.match(all.stderr, /^ ! {5}Running restore in serial mode$/m);
    assert.match(all.stdout, /^-----> Running restore against app psapp$/m);
    assert.match(all.stdout, /^-----> Starting app$/m);
    assert.equal(await report('--running'), 'true');
  });

  it('ps:retire says what it retires; nothing is left to stop after a clean deploy', async () => {
    const r = await ok(['ps:retire']);
    assert.equal(r.stdout, '-----> Retiring old containers and images\n-----> Retiring expired run and cron containers\n-----> Retiring all run and cron containers');
    await ok(['ps:retire', 'psapp']);
    await bad(['ps:retire', 'ghost'], ' !     App ghost does not exist', 20);
    assert.match((await ok(['help', '--all'])).stdout, /ps:set \(<app>\|--global\) <property> \[<value>\]/);
  });
});
