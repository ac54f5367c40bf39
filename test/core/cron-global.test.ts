// cron:list --global and the cron-entries trigger as Dokku defines them (real server, OpenSSH, a
// fixture plugin): the trigger asked with `docker-local`, each answer line `SCHEDULE;COMMAND[;LOGFILE]`
// listed with Dokku's id (base36 of the parts joined by `;;;`) in its columns or JSON, a line that is
// not a task warned about; and the server's runner running the due ones as command lines, output
// appended to their log file or to the server log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, repoRoot } from '../helpers/server.js';
import { eventually } from '../deploy/helpers.js';

/** Dokku's id of an injected task, computed independently: the bytes as one big number in base 36. */
const injectedId = (line: string) => BigInt(`0x${Buffer.from(line.split(';').join(';;;')).toString('hex')}`).toString(36);

const NEVER = '0 0 31 2 *;dokku apps:list;ROOT/never.log';
const MINUTELY = '* * * * *;dokku apps:list;ROOT/minutely.log';
const UNLOGGED = '* * * * *;echo "unlogged from $PWD"';
const LOST = '* * * * *;echo lost;/nonexistent-dir/cron.log';

describe('cron:list --global and the cron-entries trigger (real server, OpenSSH, a fixture plugin)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let root: string;
  const line = (text: string) => text.replace('ROOT', root);
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    server = await TestServer.start({ env: { SLIPWAY_TEST_CRON_TICKS: 'signal' } });
    root = path.join(server.home, 'home');
    const dir = path.join(server.home, 'lib', 'plugins', 'available', 'cron-entries-fixture');
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'plugins', 'dokku-cron-entries'), dir, { recursive: true });
    fs.mkdirSync(path.join(server.home, 'lib', 'plugins', 'enabled'), { recursive: true });
    fs.symlinkSync(dir, path.join(server.home, 'lib', 'plugins', 'enabled', 'cron-entries-fixture'));
    await ok(['apps:create', 'listed']);
  });
  after(async () => { await server?.stop(); });

  it('cron:list --global lists the injected tasks in Dokku\'s columns, warning about a line that is not a task', async () => {
    const r = await ok(['cron:list', '--global']);
    assert.equal(fs.readFileSync(path.join(root, 'cron-entries-asked'), 'utf8'), 'docker-local\n');
    const rows = r.stdout.split('\n');
    assert.match(rows[0], /^ID +Schedule +Concurrency +Maintenance +Command$/);
    assert.equal(rows.length, 5);
    const expected = [NEVER, MINUTELY, UNLOGGED, LOST].map(line);
    rows.slice(1).forEach((row, i) => {
      const [schedule, command] = expected[i].split(';');
      // The Concurrency cell is empty (Dokku sets no policy on injected tasks); Maintenance is false.
      assert.equal(row.replace(/ {2,}/g, '|'), `${injectedId(expected[i])}|${schedule}|false|${command}`);
    });
    assert.equal(r.stderr, ' !     Invalid injected cron task: not a task');
  });

  it('--format json: Dokku\'s keys (global, no app, an empty concurrency_policy), without the log file', async () => {
    const r = await ok(['cron:list', '--global', '--format', 'json']);
    const tasks = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(tasks[1], {
      id: injectedId(line(MINUTELY)), command: 'dokku apps:list', global: true, schedule: '* * * * *', concurrency_policy: '',
      'app-in-maintenance': false, 'task-in-maintenance': false, maintenance: false,
    });
    assert.deepEqual(Object.keys(tasks[1]), ['id', 'command', 'global', 'schedule', 'concurrency_policy', 'app-in-maintenance', 'task-in-maintenance', 'maintenance']);
    assert.equal(tasks.length, 4);
    const refused = await server.ssh(['cron:list', '--global', '--format', 'yaml']);
    assert.deepEqual([refused.code, refused.stderr], [1, ' !     Invalid format specified, supported formats: json, stdout']);
    // An app's list is unchanged: no app.json cron entries, no injected ones.
    assert.equal((await ok(['cron:list', 'listed'])).stdout, 'ID  Schedule  Concurrency  Maintenance  Command');
  });

  it('the runner runs the due injected tasks: `dokku` is this server, output appended to LOGFILE or to the server log', async () => {
    const ran = `cron: running global task ${injectedId(line(MINUTELY))} (dokku apps:list)`;
    const before = server.output.split(ran).length;
    process.kill(server.pid!, 'SIGUSR2');
    await eventually(async () => (server.output.split(ran).length > before ? true : undefined));
    const minutely = path.join(root, 'minutely.log');
    const logged = await eventually(async () => (fs.existsSync(minutely) && fs.readFileSync(minutely, 'utf8').includes('listed') ? fs.readFileSync(minutely, 'utf8') : undefined));
    assert.match(logged, /^=====> My Apps\nlisted$/m);
    await eventually(async () => (server.output.includes(`cron --global ${injectedId(UNLOGGED)}: unlogged from ${root}`) ? true : undefined));
    const lost = injectedId(LOST);
    await eventually(async () => (server.output.includes(`cron --global ${lost}: cannot open /nonexistent-dir/cron.log`) ? true : undefined));
    await eventually(async () => (server.output.includes(`cron: global task ${lost} exited 1`) ? true : undefined));
    assert.ok(!server.output.includes(`running global task ${injectedId(line(NEVER))}`), 'a task not due does not run');
    assert.ok(!fs.existsSync(path.join(root, 'never.log')));
    assert.match(server.output, /cron: Invalid injected cron task: not a task/);
  });
});
