// cron:* as Dokku documents it, in part: app.json `cron` entries of the deployed release listed with
// Dokku's ids (base36 of `APP===COMMAND===SCHEDULE`), in its columns or JSON, and run on demand with
// `cron:run` like `run` (exit code, output); Dokku's messages for a missing or unknown id; a task
// runs by itself at its scheduled minute; a schedule that does not parse fails the deploy.
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
    assert.match(text, /^ran as run\.\d+$/m);
  });
});
