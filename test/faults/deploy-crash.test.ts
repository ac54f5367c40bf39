// kill -9 of `slipway serve` in the middle of a deploy pushed with the real git over OpenSSH:
// during the build (a pre-build trigger that blocks) and while the new release's processes start
// (a web process that does not listen yet). Each time the push fails, the ref does not move,
// git fsck is clean, the deploy lock died with the server, the restarted server serves the last
// good release (adopting its processes), the killed deploy's processes are stopped, and the next
// push deploys.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { alive, installPlugin } from '../helpers/fixtures.js';
import { until } from '../helpers/ssh-client.js';
import { eventually, get } from '../deploy/helpers.js';
import { tryLock } from '../../src/store/lock.js';
import { PushClient, appFiles, fsck, killIfAlive, processesIn, quarantineDirs, receivePacks, recordedPids, repoDir, serverRev } from './push-client.js';

const APP = 'crashy';

describe('faults: kill -9 of the server during a deploy', function () {
  this.timeout(180_000);
  let server: TestServer;
  let client: PushClient;
  let pidDir: string;
  let flags: string;
  const leftovers: number[] = [];

  const flag = (name: string) => path.join(flags, name);
  const releasesDir = () => path.join(server.home, 'lib', 'data', 'releases', APP);
  const deployLockFile = () => path.join(server.home, 'lib', 'locks', `deploy-${APP}.lock`);

  /** What the proxy serves for the app; undefined while it serves nothing useful. */
  async function served(): Promise<string | undefined> {
    // boot() returns at the ssh banner line; the proxy's line follows it.
    await until(() => /\(proxy\)/.test(server.output));
    const reply = await get(server.httpPort, `${APP}.localhost`).catch(() => undefined);
    return reply?.status === 200 ? reply.body : undefined;
  }

  async function servesEventually(version: string): Promise<void> {
    await eventually(async () => ((await served()) === version ? true : undefined));
  }

  /** The build directory of the release the store calls current. */
  function currentReleaseDir(): string {
    const index = JSON.parse(fs.readFileSync(path.join(releasesDir(), 'releases.json'), 'utf8')) as { current: number; releases: Array<{ version: number; build: number }> };
    const current = index.releases.find((r) => r.version === index.current);
    assert.ok(current, 'a current release is recorded');
    return path.join(releasesDir(), `v${current.build}`);
  }

  async function restartAfterKill9(): Promise<void> {
    await server.kill('SIGKILL');
    server.output = '';
    await server.boot();
  }

  before(async () => {
    server = await TestServer.start();
    pidDir = path.join(server.dir, 'pids');
    flags = path.join(server.dir, 'flags');
    fs.mkdirSync(pidDir);
    fs.mkdirSync(flags);
    // Blocks a build while the `block-build` flag exists (bounded: 60 s), after saying where it runs.
    installPlugin(server.home, 'slowbuild', {
      'pre-build': [
        '#!/usr/bin/env bash',
        `[[ -e ${flag('block-build')} ]] || exit 0`,
        `echo $$ > ${flag('build.pid')}`,
        `for i in $(seq 1 600); do [[ -e ${flag('unblock-build')} ]] && exit 0; sleep 0.1; done`,
        'exit 0',
      ].join('\n'),
    });
    assert.equal((await server.ssh(['apps:create', APP])).code, 0);
    const set = await server.ssh(['config:set', '--no-restart', APP, `PID_DIR=${pidDir}`, 'DOKKU_WAIT_TO_RETIRE=0']);
    assert.equal(set.code, 0, set.stderr);
    client = new PushClient(server, path.join(server.dir, 'work'));
    await client.init(appFiles('one'));
    const push = await client.push(APP);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(await served(), 'one');
  });

  after(async () => {
    fs.writeFileSync(path.join(pidDir, 'GO'), '');
    fs.writeFileSync(flag('unblock-build'), '');
    await server?.kill('SIGTERM');
    for (const pid of [...leftovers, ...processesIn(releasesDir())]) killIfAlive(pid);
    await server?.stop();
  });

  it('during the build: the push fails, the ref stays, fsck is clean; after a restart the old release serves, the lock is free and the next push deploys', async () => {
    const before = await serverRev(server, APP);
    fs.writeFileSync(flag('block-build'), '');
    const next = await client.commit(appFiles('two'));
    const push = client.push(APP);
    await until(() => fs.existsSync(flag('build.pid')));
    const buildPid = Number(fs.readFileSync(flag('build.pid'), 'utf8'));
    leftovers.push(buildPid);

    await server.kill('SIGKILL');
    const result = await push;
    assert.notEqual(result.code, 0, 'the push of a killed deploy fails');
    assert.match(result.stderr, /lost the connection to the Slipway server|pre-receive hook declined|hung up|Connection closed|Broken pipe/i, result.stderr);
    assert.equal(await serverRev(server, APP), before, 'the ref did not move');
    const check = await fsck(server, APP);
    assert.equal(check.code, 0, check.output);
    assert.doesNotMatch(check.output, /error|missing|broken|corrupt/i);

    // The lock died with the server, whatever the build's trigger process (detached) still does.
    const lock = tryLock(deployLockFile());
    assert.ok(lock, 'the deploy lock is free once its holder is dead');
    lock.release();
    fs.writeFileSync(flag('unblock-build'), '');
    fs.rmSync(flag('block-build'));
    await until(() => !alive(buildPid));

    server.output = '';
    await server.boot();
    await servesEventually('one');

    const again = await client.push(APP);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /deploy lock/);
    assert.equal(await serverRev(server, APP), next);
    assert.equal(await served(), 'two');
    assert.equal((await fsck(server, APP)).code, 0);
  });

  it('regression: the quarantine dir of a push whose server was killed is swept by the next push', async () => {
    // receive-pack dies of SIGPIPE when its server is gone and leaves objects/tmp_objdir-incoming-*.
    fs.rmSync(flag('build.pid'), { force: true });
    fs.rmSync(flag('unblock-build'), { force: true });
    fs.writeFileSync(flag('block-build'), '');
    await client.commit({ 'note.txt': 'interrupted\n' });
    const push = client.push(APP);
    await until(() => fs.existsSync(flag('build.pid')));
    leftovers.push(Number(fs.readFileSync(flag('build.pid'), 'utf8')));
    await restartAfterKill9();
    assert.notEqual((await push).code, 0);
    fs.writeFileSync(flag('unblock-build'), '');
    fs.rmSync(flag('block-build'));
    await until(() => receivePacks(repoDir(server, APP)).length === 0, 100);
    assert.ok(quarantineDirs(server, APP).length > 0, 'precondition: the dead receive-pack left its quarantine dir');
    await servesEventually('two');
    const next = await client.push(APP);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(quarantineDirs(server, APP), []);
    assert.equal((await fsck(server, APP)).code, 0);
  });

  it('while the new processes start: after a restart the last good release serves from the same processes (adopted) and the new ones are stopped', async () => {
    const before = await serverRev(server, APP);
    await client.commit(appFiles('three-slow'));
    const push = client.push(APP);
    await until(() => recordedPids(pidDir, 'three-slow').length > 0);
    const [slow] = recordedPids(pidDir, 'three-slow');
    leftovers.push(slow);
    const running = processesIn(releasesDir());
    leftovers.push(...running);
    assert.ok(running.includes(slow), 'the new web process runs from its release dir');
    const serving = recordedPids(pidDir, 'two').filter((pid) => running.includes(pid));
    assert.ok(serving.length > 0, 'the serving release runs too');

    await server.kill('SIGKILL');
    const result = await push;
    assert.notEqual(result.code, 0);
    assert.equal(await serverRev(server, APP), before, 'the ref did not move');
    // Nothing stops the killed server's processes but the next server.
    assert.ok(alive(slow), 'the starting process outlived the server');

    server.output = '';
    await server.boot();
    await servesEventually('two');
    // The starting processes of the killed deploy are stopped; the serving ones were adopted (10.3).
    await until(() => !alive(slow), 100);
    const now = processesIn(releasesDir());
    assert.ok(serving.every((pid) => now.includes(pid)), 'the serving release still runs from the same processes');
    assert.deepEqual(now.filter((pid) => !running.includes(pid)), [], 'nothing was started again');
    const current = currentReleaseDir();
    for (const pid of now) assert.equal(fs.readlinkSync(`/proc/${pid}/cwd`), current, `pid ${pid} runs from the current release`);
    assert.equal((await fsck(server, APP)).code, 0);

    // And a push after all this deploys.
    const next = await client.commit(appFiles('four'));
    const again = await client.push(APP);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await serverRev(server, APP), next);
    assert.equal(await served(), 'four');
  });

  it('restarting twice in a row after a kill -9 at rest changes nothing: same release, same processes', async () => {
    const before = processesIn(releasesDir());
    await restartAfterKill9();
    await servesEventually('four');
    await restartAfterKill9();
    await servesEventually('four');
    assert.deepEqual(processesIn(releasesDir()), before);
    for (const pid of before) assert.equal(fs.readlinkSync(`/proc/${pid}/cwd`), currentReleaseDir());
  });

  it('regression: an app process the killed server had not recorded yet is stopped by the next server', async () => {
    await server.kill('SIGKILL');
    // What a kill between spawning a process and saving its pid record leaves: a process that
    // carries its server's mark and is in no record.
    const owner = path.join(server.home, 'lib', 'data', 'processes');
    const stray = spawn('sh', ['-c', 'exec sleep 300'], {
      cwd: currentReleaseDir(), detached: true, stdio: 'ignore', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SLIPWAY_PROCESS_OWNER: owner },
    });
    const pid = stray.pid!;
    leftovers.push(pid);
    const pidFiles = fs.readdirSync(path.join(owner, APP), { recursive: true }).map(String).filter((n) => n.endsWith('.pid'));
    assert.ok(pidFiles.length > 0, 'the serving processes are recorded');
    for (const file of pidFiles) assert.notEqual(fs.readFileSync(path.join(owner, APP, file), 'utf8').trim(), String(pid), 'precondition: no record of it');
    server.output = '';
    await server.boot();
    await until(() => !alive(pid), 100);
    await servesEventually('four');
  });
});
