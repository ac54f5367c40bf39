// run:detached and `run -e|--env` as Dokku documents them (real server, OpenSSH, git push): the
// name printed, run:list, the output in the app's logs, --ttl-seconds, and Dokku's flag mistakes;
// run:logs (tail, -n, -q, -t following until the run ends), run:stop (one, or all of the app) and
// run:retire with Dokku's words and exit codes.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { TestServer, sshOptions } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { eventually } from '../deploy/helpers.js';

describe('run:detached, run --env (real server, git push, OpenSSH)', function () {
  this.timeout(240_000);
  let server: TestServer;

  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  /** One word on the server's command line (ssh joins its arguments into one line, split again there). */
  const q = (text: string) => `'${text}'`;
  const runs = async () => (JSON.parse((await ok(['run:list', 'detach', '--format', 'json'])).stdout) as Array<{ name: string }>).map((r) => r.name);

  before(async () => {
    server = await TestServer.start();
    const pushed = await (await appWork(server)).push('detach');
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
    await ok(['config:set', '--no-restart', 'detach', 'FROM_CONFIG=config']);
  });
  after(async () => { await server?.stop(); });

  it('run -e/--env sets variables for this command only, over the app\'s config; flags after the app are the command\'s', async () => {
    const r = await ok(['run', '-e', 'A=1', q('--env=B=two words'), '-e=FROM_CONFIG=overridden', 'detach', q('echo "$A|$B|$FROM_CONFIG"')]);
    assert.equal(r.stdout, '1|two words|overridden');
    assert.equal((await ok(['run', 'detach', q('echo "$A|$FROM_CONFIG"')])).stdout, '|config');
    assert.equal((await ok(['run', 'detach', 'echo', 'x', '-e', 'A=1'])).stdout, 'x -e A=1');
    assert.equal((await ok(['run', '--no-tty', '--rm', 'detach', 'echo', 'tty-flags-accepted'])).stdout, 'tty-flags-accepted');
  });

  it('refuses Dokku\'s flag mistakes', async () => {
    const pair = await server.ssh(['run', '--env', 'NOEQUALS', 'detach', 'true']);
    assert.deepEqual([pair.code, pair.stderr], [1, ' !     Invalid env pair NOEQUALS: use KEY=VALUE']);
    const ttl = await server.ssh(['run:detached', '--ttl-seconds', 'soon', 'detach', 'true']);
    assert.deepEqual([ttl.code, ttl.stderr], [1, ' !     --ttl-seconds must be a positive integer']);
    const tty = await server.ssh(['run:detached', '--no-tty', '--force-tty', 'detach', 'true']);
    assert.deepEqual([tty.code, tty.stderr], [1, ' !     Cannot specify both --force-tty and --no-tty']);
    const none = await server.ssh(['run:detached']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     Please specify an app to run the command on']);
    const ghost = await server.ssh(['run:detached', 'ghost', 'true']);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
    const nocmd = await server.ssh(['run:detached', 'detach']);
    assert.equal(nocmd.code, 1);
    assert.match(nocmd.stderr, /Usage: dokku run:detached/);
  });

  it('run:detached prints the name at once, the command runs on (run:list), its output is in the logs', async () => {
    const r = await ok(['run:detached', '-e', 'GREETING=hello', 'detach', q('echo "$GREETING from $DYNO"; sleep 1000')]);
    assert.match(r.stdout, /^detach\.run\.\d+$/);
    const name = r.stdout;
    const id = name.slice('detach.'.length);
    assert.ok((await runs()).includes(name), 'listed while it runs');
    const logs = await eventually(async () => {
      const l = await ok(['logs', 'detach', '-p', id]);
      return l.stdout.includes('hello from') ? l.stdout : undefined;
    }, 100);
    // Its DYNO is the N of its name, as Dokku's run containers have it.
    assert.match(logs, new RegExp(`app\\[${id.replace('.', '\\.')}\\]: hello from ${id.replace('.', '\\.')}$`, 'm'));
    // Past its TTL it is gone: a short TTL ends a command that would run for ever.
    const short = (await ok(['run:detached', '--ttl-seconds', '1', 'detach', q('sleep 1000')])).stdout;
    await eventually(async () => ((await runs()).includes(short) ? undefined : true), 200);
    assert.ok((await runs()).includes(name), 'the other one still runs');
  });

  it('run:logs shows a detached run\'s output (-n, -q, --container); -t follows it until run:stop ends it', async () => {
    const name = (await ok(['run:detached', 'detach', q('for i in 1 2 3; do echo "line $i"; done; sleep 1000')])).stdout;
    const id = name.slice('detach.'.length);
    const all = await eventually(async () => {
      const l = (await ok(['run:logs', 'detach'])).stdout;
      return l.includes('line 3') ? l : undefined;
    }, 100);
    const mine = all.split('\n').filter((l) => l.includes(`app[${id}]`));
    assert.equal(mine.length, 3, all);
    assert.match(mine[0], new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z app\\[${id.replace('.', '\\.')}\\]: line 1$`));
    assert.equal((await ok(['run:logs', '--container', name, '-n', '1', '-q'])).stdout, 'line 3');
    assert.equal((await ok(['run:logs', 'detach', '--container', name, '--num', '2', '--quiet'])).stdout, 'line 2\nline 3');
    // -t: the lines so far, then new ones, until the run ended (stopped here by run:stop).
    const follow = execa('ssh', [...sshOptions(server.sshPort, server.admin), '--', 'dokku@127.0.0.1', 'run:logs', '-t', '-q', '--container', name], { reject: false });
    let seen = '';
    await new Promise<void>((resolve, reject) => {
      follow.stdout!.on('data', (c: Buffer) => { seen += c.toString(); if (seen.includes('line 3')) resolve(); });
      follow.once('exit', () => reject(new Error(`run:logs -t ended early: ${seen}`)));
    });
    const stop = await ok(['run:stop', '--container', name]);
    assert.equal(stop.stdout, name, 'the name of the run stopped, as docker container stop prints it');
    const followed = await follow;
    assert.equal(followed.exitCode, 0, followed.stderr);
    assert.match(followed.stdout, new RegExp(`^line 1\nline 2\nline 3\n\\[slipway\\] ${name.replace(/\./g, '\\.')} exited with code -?\\d+$`));
    assert.ok(!(await runs()).includes(name), 'gone from run:list');
  });

  it('run:logs shows an attached run\'s output while it runs (Dokku reads its container), its caller still gets all of it', async () => {
    const earlier = await runs();
    const attached = execa('ssh', [...sshOptions(server.sshPort, server.admin), '--', 'dokku@127.0.0.1', 'run', 'detach', q('echo "out 1"; echo "err 1" >&2; sleep 1000')], { reject: false });
    try {
      const name = await eventually(async () => (await runs()).find((n) => !earlier.includes(n)), 100);
      const text = await eventually(async () => {
        const l = (await ok(['run:logs', '--container', name, '-q'])).stdout;
        return l.includes('out 1') && l.includes('err 1') ? l : undefined;
      }, 100);
      assert.deepEqual(text.split('\n').sort(), ['err 1', 'out 1']);
      const id = name.slice('detach.'.length);
      assert.match((await ok(['run:logs', '--container', name, '-n', '1'])).stdout, new RegExp(`^\\S+Z app\\[${id.replace('.', '\\.')}\\]: (out|err) 1$`));
      assert.equal((await ok(['run:logs', '--container', name, '-n', '0'])).stdout, '');
      assert.deepEqual((await ok(['run:stop', '--container', name])).stdout, name);
      const ended = await attached;
      assert.deepEqual([ended.stdout, ended.stderr], ['out 1', 'err 1']);
      // Gone with its run, as Dokku's attached container is removed when it exits.
      const gone = await server.ssh(['run:logs', '--container', name]);
      assert.deepEqual([gone.code, gone.stderr], [1, ` !     No such container: ${name}`]);
    } finally {
      attached.kill();
    }
  });

  it('run:stop APP stops every run of the app, each named; Dokku\'s words for the mistakes', async () => {
    const first = (await ok(['run:detached', 'detach', q('sleep 1000')])).stdout;
    const second = (await ok(['run:detached', 'detach', q('sleep 1000')])).stdout;
    const before = await runs();
    const stopped = (await ok(['run:stop', 'detach'])).stdout.split('\n').sort();
    assert.deepEqual(stopped, before.sort());
    assert.ok(stopped.includes(first) && stopped.includes(second));
    assert.deepEqual(await runs(), []);
    assert.equal((await ok(['run:stop', 'detach'])).stdout, 'No run containers exist');
    assert.equal((await ok(['--quiet', 'run:stop', 'detach'])).stdout, '');
    const gone = await server.ssh(['run:stop', '--container', first]);
    assert.deepEqual([gone.code, gone.stdout, gone.stderr], [0, '', ' !     Specified container does not exist']);
    for (const [args, code, stderr] of [
      [['run:stop'], 1, ' !     No container or app specified'],
      [['run:logs'], 1, ' !     No container or app specified'],
      [['run:stop', '--container', 'detach.run'], 1, ' !     Invalid container name specified: detach.run'],
      [['run:logs', '--container', 'detach.web.1'], 1, ' !     Specified container must be a run container'],
      [['run:logs', 'other', '--container', 'detach.run.1'], 1, ' !     Specified app does not app in container name'],
      [['run:stop', '--container', 'ghost.run.1'], 20, ' !     App ghost does not exist'],
      [['run:logs', 'ghost'], 20, ' !     App ghost does not exist'],
      [['run:logs', '--container', first], 1, ` !     No such container: ${first}`],
      [['run:retire', 'ghost'], 20, ' !     App ghost does not exist'],
    ] as const) {
      const r = await server.ssh([...args]);
      assert.deepEqual([r.code, r.stderr], [code, stderr], args.join(' '));
    }
  });

  it('run:retire says what it retires (nothing here: every run is within its --ttl-seconds)', async () => {
    const name = (await ok(['run:detached', 'detach', q('sleep 1000')])).stdout;
    assert.equal((await ok(['run:retire', 'detach'])).stdout, '-----> Retiring run and cron containers for app detach');
    assert.equal((await ok(['run:retire'])).stdout, '-----> Retiring all run and cron containers');
    assert.ok((await runs()).includes(name), 'a run within its deadline keeps running');
    await ok(['run:stop', '--container', name]);
  });

  it('help --all lists run:detached with Dokku\'s flags', async () => {
    const help = (await ok(['help', '--all'])).stdout;
    assert.match(help, /run:detached \[-e\|--env KEY=VALUE\] \[--force-tty\] \[--ttl-seconds SECONDS\] <app> <cmd>/);
    assert.match(help, /run \[-e\|--env KEY=VALUE\]/);
    assert.match(help, /run:logs <app\|--container CONTAINER> \[-t\] \[-n num\] \[-q\]/);
    assert.match(help, /run:stop <app\|--container CONTAINER> +Stops all run containers/);
    assert.match(help, /run:retire \[<app>\]/);
  });
});
