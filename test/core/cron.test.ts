// cron:* as Dokku documents it: app.json `cron` entries of the deployed release listed with Dokku's
// ids (base36 of `APP===COMMAND===SCHEDULE`), in its columns or JSON, and run on demand with
// `cron:run` like `run` (exit code, output); Dokku's messages for a missing or unknown id; a task
// runs by itself at its scheduled minute; a schedule or policy that does not parse fails the deploy.
// cron:set/suspend/resume and cron:report's rows; scheduled runs skip tasks in maintenance and follow
// concurrency_policy (forbid, replace), driven by the test-only tick signal (no minute waits).
// Real server, OpenSSH and git push.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { eventually } from '../deploy/helpers.js';
import { appWork } from '../helpers/app-work.js';

const CRON = [
  { command: 'echo "cron says $GREETING"', schedule: '@daily' },
  { command: 'sh -c "exit 3"', schedule: '*/5 * * * *', concurrency_policy: 'forbid' },
];

/** Dokku's id, computed independently: the UTF-8 bytes as one big number in base 36. */
const dokkuId = (app: string, c: { command: string; schedule: string }) =>
  BigInt(`0x${Buffer.from(`${app}===${c.command}===${c.schedule}`).toString('hex')}`).toString(36);

describe('cron:list, cron:run, cron:report (real server, OpenSSH and git push)', function () {
  this.timeout(300_000);
  let server: TestServer;
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    server = await TestServer.start();
    await ok(['apps:create', 'timed']);
    await ok(['config:set', '--no-restart', 'timed', 'GREETING=hi']);
    const app = await appWork(server, { files: { 'app.json': `// Dokku reads app.json as JSON with comments\n${JSON.stringify({ cron: CRON })}\n` } });
    const pushed = await app.push('timed');
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
  });
  after(async () => { await server?.stop(); });

  it('lists the entries with Dokku\'s ids and columns, and as JSON', async () => {
    const [daily, often] = CRON.map((c) => dokkuId('timed', c));
    const lines = (await ok(['cron:list', 'timed'])).split('\n');
    assert.match(lines[0], /^ID +Schedule +Concurrency +Maintenance +Command$/);
    assert.match(lines[1], new RegExp(`^${daily} +@daily +allow +false +echo "cron says \\$GREETING"$`));
    assert.match(lines[2], new RegExp(`^${often} +\\*/5 \\* \\* \\* \\* +forbid +false +sh -c "exit 3"$`));
    const json = JSON.parse(await ok(['cron:list', 'timed', '--format', 'json'])) as Array<Record<string, unknown>>;
    assert.deepEqual(json.map((t) => [t.id, t.schedule, t.concurrency_policy, t.maintenance]), [[daily, '@daily', 'allow', false], [often, '*/5 * * * *', 'forbid', false]]);
    assert.equal(await ok(['cron:report', 'timed', '--cron-task-count']), '2');
  });

  it('cron:run runs the task now with the app\'s config and its exit code; Dokku\'s messages for bad ids', async () => {
    const [daily, often] = CRON.map((c) => dokkuId('timed', c));
    assert.equal(await ok(['cron:run', 'timed', daily]), 'cron says hi');
    assert.equal((await server.ssh(['cron:run', 'timed', often])).code, 3);
    const none = await server.ssh(['cron:run', 'timed']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /Please specify a Cron ID from the output of 'dokku cron:list timed'/);
    const unknown = await server.ssh(['cron:run', 'timed', 'nosuchid']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No matching Cron ID found\. Please specify a Cron ID from the output of 'dokku cron:list timed'/);
    assert.equal((await server.ssh(['cron:list', 'nosuchapp'])).code, 20);
    assert.match((await server.ssh(['cron:list', 'timed', '--format', 'yaml'])).stderr, /Invalid format specified, supported formats: json, stdout/);
    const help = await ok(['help', '--all']);
    for (const name of ['cron:list', 'cron:run', 'cron:report']) assert.match(help, new RegExp(`^ +${name} `, 'm'));
  });

  it('a bad schedule fails the deploy with a clear line; the previous release keeps its tasks', async () => {
    const app = await appWork(server, { files: { 'app.json': JSON.stringify({ cron: [{ command: 'echo nope', schedule: 'every day' }] }) } });
    const force = (work: typeof app) => work.git(['push', '--force', `ssh://dokku@127.0.0.1:${server.sshPort}/timed`, 'main']);
    const pushed = await force(app);
    assert.notEqual(pushed.exitCode, 0);
    assert.match(String(pushed.stderr), /app\.json: invalid cron schedule for 'echo nope': expected 5 fields or an @ shorthand, got 'every day'/);
    const sixty = await appWork(server, { files: { 'app.json': JSON.stringify({ cron: [{ command: 'echo nope', schedule: '61 * * * *' }] }) } });
    assert.match(String((await force(sixty)).stderr), /minute field '61' is out of range 0-59/);
    const policy = await appWork(server, { files: { 'app.json': JSON.stringify({ cron: [{ command: 'echo nope', schedule: '@daily', concurrency_policy: 'sometimes' }] }) } });
    assert.match(String((await force(policy)).stderr), /app\.json: invalid cron concurrency policy for 'echo nope': "sometimes" \(allow, forbid or replace\)/);
    assert.equal((await ok(['cron:list', 'timed', '--format', 'json'])).includes('cron says'), true);
  });

  it('the server runs a task at its scheduled minute, with the app\'s config', async () => {
    const mark = path.join(server.dir, 'cron-ran');
    await ok(['apps:create', 'ticker']);
    await ok(['config:set', '--no-restart', 'ticker', `MARK=${mark}`]);
    const app = await appWork(server, { files: { 'app.json': JSON.stringify({ cron: [{ command: 'echo "ran as $DYNO" >> "$MARK"', schedule: '* * * * *' }] }) } });
    assert.equal((await app.push('ticker')).exitCode, 0);
    // The next minute boundary (at most a minute away).
    const text = await eventually(async () => (fs.existsSync(mark) ? fs.readFileSync(mark, 'utf8') : undefined), 500);
    // Dokku names a cron run APP.cron.N, its DYNO cron.N.
    assert.match(text, /^ran as cron\.\d+$/m);
  });
});

describe('cron:set, maintenance and concurrency_policy of scheduled runs (real server, OpenSSH, git push)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let forbidMark: string;
  let replaceMark: string;
  const APP = 'policies';
  const FORBID = { command: 'echo "start $$" >> "$FORBID_MARK"; sleep 1000', schedule: '* * * * *', concurrency_policy: 'forbid' };
  // The shell is the task's process: SIGTERM (the run being replaced) runs the trap, which notes the pid.
  const REPLACE = { command: 'trap \'echo "stop $$" >> "$REPLACE_MARK"; exit 0\' TERM; echo "start $$" >> "$REPLACE_MARK"; sleep 1000 & wait', schedule: '* * * * *', concurrency_policy: 'replace' };
  const [forbidId, replaceId] = [FORBID, REPLACE].map((c) => dokkuId(APP, c));
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  const count = (text: string) => server.output.split(text).length - 1;
  /** One scheduler tick now (SLIPWAY_TEST_CRON_TICKS=signal); resolves once the runner logged it `expect` more times. */
  const tick = async (expect: string) => {
    const before = count(expect);
    process.kill(server.pid!, 'SIGUSR2');
    await eventually(async () => (count(expect) > before ? true : undefined));
  };

  before(async () => {
    server = await TestServer.start({ env: { SLIPWAY_TEST_CRON_TICKS: 'signal' } });
    forbidMark = path.join(server.dir, 'forbid');
    replaceMark = path.join(server.dir, 'replace');
    await ok(['apps:create', APP]);
    await ok(['config:set', '--no-restart', APP, `FORBID_MARK=${forbidMark}`, `REPLACE_MARK=${replaceMark}`]);
    const app = await appWork(server, { files: { 'app.json': JSON.stringify({ cron: [FORBID, REPLACE] }) } });
    const pushed = await app.push(APP);
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
  });
  after(async () => { await server?.stop(); });

  it('forbid: a run still going makes the next refuse; replace: the running one is stopped for the new one', async () => {
    await tick(`running ${APP} task ${replaceId}`);
    const first = await eventually(async () => (lines(forbidMark).length === 1 && lines(replaceMark).length === 1 ? lines(replaceMark)[0] : undefined));
    const firstPid = first.split(' ')[1];
    await tick(`running ${APP} task ${replaceId}`);
    // forbid: the second run is refused with Dokku's words, and never started.
    await eventually(async () => (server.output.includes(`${APP} currently has a cron lock in place for ${forbidId}. Exiting...`) ? true : undefined));
    await eventually(async () => (server.output.includes(`cron: ${APP} task ${forbidId} exited 1`) ? true : undefined));
    assert.equal(lines(forbidMark).length, 1, 'the forbidden run never started');
    // replace: the first run got SIGTERM (its trap ran), then the second started.
    const replaced = await eventually(async () => (lines(replaceMark).length === 3 ? lines(replaceMark) : undefined));
    assert.deepEqual([replaced[0], replaced[1]], [`start ${firstPid}`, `stop ${firstPid}`]);
    assert.match(replaced[2], /^start \d+$/);
    assert.notEqual(replaced[2], replaced[0]);
    assert.match(server.output, new RegExp(`Replacing running container for ${replaceId}`));
    // cron:run follows the policy too: refused while the scheduled run goes on.
    const refused = await server.ssh(['cron:run', APP, forbidId]);
    assert.deepEqual([refused.code, refused.stderr], [1, ` !     ${APP} currently has a cron lock in place for ${forbidId}. Exiting...`]);
    // Cron runs are APP.cron.N: not in run:list (Dokku lists run containers only), stopped by run:retire only past their deadline.
    assert.deepEqual(JSON.parse(await ok(['run:list', APP, '--format', 'json'])), []);
  });

  it('maintenance (app, --global, or one task by cron:suspend) skips scheduled runs; cron:list and cron:report show it', async () => {
    const ran = count(`running ${APP} task ${replaceId}`);
    await ok(['cron:set', APP, 'maintenance', 'true']);
    await tick(`skipping ${APP} task ${replaceId} (maintenance)`);
    assert.ok(server.output.includes(`skipping ${APP} task ${forbidId} (maintenance)`));
    assert.equal(count(`running ${APP} task ${replaceId}`), ran, 'nothing ran in maintenance');
    let list = (await ok(['cron:list', APP])).split('\n');
    assert.match(list[1], new RegExp(`^${forbidId} +\\* \\* \\* \\* \\* +forbid +true \\(app\\) +echo`));
    assert.equal(await ok(['cron:report', APP, '--cron-maintenance']), 'true');
    assert.equal(await ok(['cron:report', APP, '--cron-computed-maintenance']), 'true');
    await ok(['cron:set', APP, 'maintenance']);
    await ok(['cron:set', '--global', 'maintenance', 'true']);
    assert.deepEqual([await ok(['cron:report', APP, '--cron-maintenance']), await ok(['cron:report', APP, '--cron-computed-maintenance'])], ['', 'true']);
    await tick(`skipping ${APP} task ${forbidId} (maintenance)`);
    await ok(['cron:set', '--global', 'maintenance']);
    // One task suspended: only that one is skipped.
    assert.match(await ok(['cron:suspend', APP, replaceId]), new RegExp(`^=====> Setting maintenance\\.${replaceId} to true$`));
    list = (await ok(['cron:list', APP])).split('\n');
    assert.match(list[1], /forbid +false +echo/);
    assert.match(list[2], /replace +true \(task\) +trap/);
    const json = JSON.parse(await ok(['cron:list', APP, '--format', 'json'])) as Array<Record<string, unknown>>;
    assert.deepEqual(json.map((t) => [t['app-in-maintenance'], t['task-in-maintenance'], t.maintenance]), [[false, false, false], [false, true, true]]);
    assert.equal(await ok(['cron:report', APP, `--cron-maintenance-${replaceId}`]), 'true');
    const replaceRuns = count(`running ${APP} task ${replaceId}`);
    await tick(`skipping ${APP} task ${replaceId} (maintenance)`);
    assert.equal(count(`running ${APP} task ${replaceId}`), replaceRuns);
    assert.match(await ok(['cron:resume', APP, replaceId]), new RegExp(`^=====> Unsetting maintenance\\.${replaceId}$`));
    assert.match((await ok(['cron:list', APP])).split('\n')[2], /replace +false +trap/);
  });

  it('cron:set mailto and mailfrom globally only, with Dokku\'s words; cron:report --global and the app rows', async () => {
    assert.equal(await ok(['cron:set', '--global', 'mailto', 'ops@example.com']), '=====> Setting mailto to ops@example.com');
    await ok(['cron:set', '--global', 'mailfrom', 'cron@example.com']);
    assert.equal(await ok(['cron:report', '--global', '--cron-computed-mailto']), 'ops@example.com');
    assert.equal(await ok(['cron:report', APP, '--cron-global-mailfrom']), 'cron@example.com');
    const report = await ok(['cron:report', APP]);
    assert.equal(report.split('\n')[0], `=====> ${APP} cron information`);
    for (const row of ['Cron computed mailfrom: +cron@example.com', 'Cron computed mailto: +ops@example.com', 'Cron computed maintenance: +false',
      'Cron global mailto: +ops@example.com', 'Cron global maintenance: *', 'Cron maintenance: *', 'Cron task count: +2']) {
      assert.match(report, new RegExp(`^ {7}${row}$`, 'm'));
    }
    const json = JSON.parse(await ok(['cron:report', APP, '--format', 'json'])) as Record<string, string>;
    assert.equal(json['computed-mailto'], 'ops@example.com');
    assert.equal(json['cron-computed-mailto'], 'ops@example.com', 'Dokku\'s legacy keys too');
    assert.equal(json['task-count'], '2');
    await ok(['cron:set', '--global', 'mailto']);
    assert.equal(await ok(['cron:report', '--global', '--cron-global-mailto']), '');
    for (const [args, code, stderr] of [
      [['cron:set', APP, 'mailto', 'me@example.com'], 1, ' !     Property cannot be specified on a per-app basis'],
      [['cron:set', APP, 'mailfrom', 'me@example.com'], 1, ' !     Property cannot be specified on a per-app basis'],
      [['cron:set', APP, 'schedule', 'x'], 1, ' !     Invalid property specified, valid properties include: mailfrom, mailto, maintenance'],
      [['cron:set', APP], 1, ' !     No property specified'],
      [['cron:set', APP, 'maintenance.nosuchid', 'true'], 1, ' !     Invalid task maintenance property, no matching task ID found: maintenance.nosuchid'],
      [['cron:set', '--global', `maintenance.${forbidId}`, 'true'], 1, ' !     Task maintenance properties cannot be set globally'],
      [['cron:suspend', APP, 'nosuchid'], 1, ' !     Invalid task maintenance property, no matching task ID found: maintenance.nosuchid'],
      [['cron:set', 'ghost', 'maintenance', 'true'], 20, ' !     App ghost does not exist'],
      [['cron:run', APP, forbidId, '--ttl-seconds', '0'], 1, ' !     --ttl-seconds must be a positive integer'],
    ] as const) {
      const r = await server.ssh([...args]);
      assert.deepEqual([r.code, r.stderr], [code, stderr], args.join(' '));
    }
    const help = await ok(['help', '--all']);
    for (const name of ['cron:set', 'cron:suspend', 'cron:resume']) assert.match(help, new RegExp(`^ +${name} `, 'm'));
  });
});
