// 11.3: one request context from the SSH session down to the platform. The triggers that ps:*,
// config:set and a push fire see the caller's SSH_USER and SSH_NAME (a granted non-admin key here,
// never `admin`); a client that leaves while a restart waits stops that restart (the serving
// processes stay); work the server starts itself (the restore at start) runs as `default`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, makeKey, sshOptions, type ClientKey } from '../helpers/server.js';
import { alive, installPlugin } from '../helpers/fixtures.js';
import { until } from '../helpers/ssh-client.js';
import { get } from '../deploy/helpers.js';
import { PushClient, appFiles, recordedPids } from '../faults/push-client.js';

const APP = 'whoapp';
/** The triggers the fixture plugin records (trigger-table: ps:start fires pre-start, ps:stop post-stop, every start pre-deploy). */
const RECORDED = ['pre-start', 'post-stop', 'pre-deploy', 'post-deploy', 'pre-restore'];

describe('11.3 request context: the caller\'s identity and abort reach the platform', function () {
  this.timeout(240_000);
  let server: TestServer;
  let dev: ClientKey;
  let calls: string;
  let hold: string;
  let waiting: string;
  let pidDir: string;

  const asDev = (args: string[]) => server.ssh(args, { key: dev });
  /** The recorded trigger lines (`name|args|SSH_USER|SSH_NAME`) since the last reset. */
  const recorded = (): string[] => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean) : []);
  const reset = () => fs.writeFileSync(calls, '');

  async function served(): Promise<string | undefined> {
    const reply = await get(server.httpPort, `${APP}.localhost`).catch(() => undefined);
    return reply?.status === 200 ? reply.body : undefined;
  }

  before(async () => {
    server = await TestServer.start();
    calls = path.join(server.dir, 'calls.txt');
    hold = path.join(server.dir, 'hold-pre-deploy');
    waiting = path.join(server.dir, 'pre-deploy-waiting');
    pidDir = path.join(server.dir, 'pids');
    fs.mkdirSync(pidDir);
    const recorder = `#!/usr/bin/env bash\nprintf '%s|%s|%s|%s\\n' "$(basename "$0")" "$*" "$SSH_USER" "$SSH_NAME" >> '${calls}'\n`;
    // pre-deploy waits (a plugin doing slow work) while the hold file exists: what a client can walk away from.
    const waiter = `[[ -e '${hold}' ]] && { echo "$$" > '${waiting}'; sleep 300; }\nexit 0\n`;
    installPlugin(server.home, 'whoami', Object.fromEntries(RECORDED.map((t) => [t, recorder + (t === 'pre-deploy' ? waiter : '')])));

    dev = await makeKey(server.dir, 'dev');
    const add = await server.ssh(['ssh-keys:add', 'dev'], { input: fs.readFileSync(dev.publicKey, 'utf8') });
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await server.ssh(['apps:create', APP])).code, 0);
    assert.equal((await server.ssh(['acl:add', APP, 'dev'])).code, 0);
    const set = await server.ssh(['config:set', '--no-restart', APP, 'DOKKU_WAIT_TO_RETIRE=0', `PID_DIR=${pidDir}`]);
    assert.equal(set.code, 0, set.stderr);
  });
  after(async () => { await server?.stop(); });

  it('a push by a granted non-admin key fires the deploy triggers as that key', async () => {
    const client = new PushClient(server, path.join(server.dir, 'work'), dev);
    await client.init(appFiles('v1'));
    const pushed = await client.push(APP);
    assert.equal(pushed.code, 0, pushed.stderr);
    const [pre, post, ...more] = recorded();
    assert.equal(pre, `pre-deploy|${APP} v1|dokku|dev`);
    assert.match(post, new RegExp(`^post-deploy\\|${APP} \\d+ 127\\.0\\.0\\.1 v1\\|dokku\\|dev$`));
    assert.deepEqual(more, []);
    assert.equal(await served(), 'v1');
  });

  it('ps:stop, ps:start, ps:restart, ps:scale and config:set fire their triggers with SSH_NAME of the key that ran them', async () => {
    reset();
    for (const args of [['ps:stop', APP], ['ps:start', APP], ['ps:restart', APP], ['ps:scale', APP, 'web=1'], ['config:set', APP, 'FROM_DEV=1']]) {
      const r = await asDev(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    const lines = recorded();
    assert.deepEqual(lines.map((l) => l.split('|')[0]), [
      'post-stop', // ps:stop
      'pre-start', 'pre-deploy', 'post-deploy', // ps:start
      'pre-deploy', 'post-deploy', // ps:restart
      'pre-deploy', 'post-deploy', // ps:scale (the app runs: applied at once)
      'pre-deploy', 'post-deploy', // config:set restarts it
    ]);
    for (const line of lines) assert.match(line, /\|dokku\|dev$/, line);
    // The same command by the admin key is the admin's.
    reset();
    assert.equal((await server.ssh(['ps:restart', APP])).code, 0);
    assert.deepEqual(recorded().map((l) => l.split('|').slice(2).join('|')), ['dokku|admin', 'dokku|admin']);
    assert.equal(await served(), 'v1');
  });

  it('a client that leaves while its restart waits stops that restart; the serving processes stay and the lock is freed', async () => {
    const before = recordedPids(pidDir, 'v1').sort();
    const servingPid = Math.max(...before);
    assert.ok(alive(servingPid), 'the newest v1 process serves');
    fs.writeFileSync(hold, '');
    const client = spawn('ssh', [...sshOptions(server.sshPort, dev), '--', 'dokku@127.0.0.1', 'config:set', APP, 'LEFT=1'], { stdio: 'ignore' });
    try {
      await until(() => fs.existsSync(waiting));
      const triggerPid = Number(fs.readFileSync(waiting, 'utf8'));
      client.kill('SIGKILL');
      // The caller's signal reached the trigger: its whole group is stopped.
      await until(() => !alive(triggerPid));
    } finally {
      if (client.exitCode === null && client.signalCode === null) client.kill('SIGKILL');
      fs.rmSync(hold, { force: true });
    }
    // The restart gave up before starting anything: no new process, the old one still serves.
    assert.deepEqual(recordedPids(pidDir, 'v1').sort(), before);
    assert.ok(alive(servingPid));
    assert.equal(await served(), 'v1');
    // The config change itself was saved before the restart began (as with --no-restart).
    assert.equal((await asDev(['config:get', APP, 'LEFT'])).stdout, '1');
    // The deploy lock went with the abandoned restart: the next restart runs.
    let restarted = await asDev(['ps:restart', APP]);
    while (restarted.code !== 0 && /deploy lock/.test(restarted.stderr)) restarted = await asDev(['ps:restart', APP]);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.equal(await served(), 'v1');
  });

  it('work the server starts itself runs as the server identity (SSH_NAME default), not as a key', async () => {
    reset();
    await server.kill('SIGTERM');
    await server.boot();
    await until(() => recorded().some((l) => l.startsWith('pre-restore|')));
    assert.deepEqual(recorded().filter((l) => l.startsWith('pre-restore|')), ['pre-restore||dokku|default']);
  });
});
