// run:detached and `run -e|--env` as Dokku documents them (real server, OpenSSH, git push): the
// name printed, run:list, the output in the app's logs, --ttl-seconds, and Dokku's flag mistakes.
import assert from 'node:assert/strict';
import { TestServer } from '../helpers/server.js';
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
    assert.match(logs, new RegExp(`app\\[${id.replace('.', '\\.')}\\]: hello from run\\.\\d+`));
    // Past its TTL it is gone: a short TTL ends a command that would run for ever.
    const short = (await ok(['run:detached', '--ttl-seconds', '1', 'detach', q('sleep 1000')])).stdout;
    await eventually(async () => ((await runs()).includes(short) ? undefined : true), 200);
    assert.ok((await runs()).includes(name), 'the other one still runs');
  });

  it('help --all lists run:detached with Dokku\'s flags', async () => {
    const help = (await ok(['help', '--all'])).stdout;
    assert.match(help, /run:detached \[-e\|--env KEY=VALUE\] \[--force-tty\] \[--ttl-seconds SECONDS\] <app> <cmd>/);
    assert.match(help, /run \[-e\|--env KEY=VALUE\]/);
  });
});
