// kill -9 in the middle of config writes: the server during a 100-key config:set over SSH and
// over the local CLI, and a writer looping on the store. Every time, after a restart, the ENV
// file parses to one whole generation (old or new, never truncated or mixed), no temp file
// lingers after the next write, and a lock left by the dead writer does not block anyone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, cliPath, repoRoot, sshOptions } from '../helpers/server.js';
import { sleep } from '../helpers/fixtures.js';
import { until } from '../helpers/ssh-client.js';
import { parseEnv } from '../../src/store/env-file.js';

const KEYS = 100;
const keyName = (i: number) => `KEY_${String(i).padStart(3, '0')}`;
/** ~200 bytes per value over SSH (the exec line stays under one SSH packet); 8 kB in the writer loop. */
const SSH_PAD = 180;
const LOOP_PAD = 8000;
const padFor = (generation: number) => (generation >= 1000 ? LOOP_PAD : SSH_PAD);
const valueFor = (generation: number, i: number) => `gen-${generation}-${i}-${'x'.repeat(padFor(generation))}`;
const pairs = (generation: number) => Array.from({ length: KEYS }, (_, i) => `${keyName(i)}=${valueFor(generation, i)}`);

describe('faults: kill -9 during config writes', function () {
  this.timeout(180_000);
  let server: TestServer;
  const envFile = () => path.join(server.home, 'home', 'crashapp', 'ENV');
  const appDir = () => path.join(server.home, 'home', 'crashapp');

  /** The ENV file holds exactly one generation of all 100 keys; returns that generation. */
  function wholeGeneration(): number {
    const env = parseEnv(fs.readFileSync(envFile(), 'utf8'));
    const ours = [...env.keys()].filter((k) => k.startsWith('KEY_'));
    assert.equal(ours.length, KEYS, `ENV holds ${ours.length} of ${KEYS} keys`);
    const generation = Number(/^gen-(\d+)-/.exec(env.get(keyName(0)) ?? '')?.[1]);
    for (let i = 0; i < KEYS; i++) assert.equal(env.get(keyName(i)), valueFor(generation, i), `${keyName(i)} is from another generation`);
    assert.equal(env.get('SENTINEL'), 'kept', 'a key outside the write was lost');
    return generation;
  }

  async function restartAfterKill9(): Promise<void> {
    await server.kill('SIGKILL');
    server.output = ''; // boot() waits for a fresh banner, not the dead server's
    await server.boot();
  }

  /** The next write succeeds at once (no stale lock) and sweeps the dead writer's temp files. */
  async function nextWriteWorksAndCleansUp(): Promise<void> {
    const r = await server.ssh(['config:set', '--no-restart', 'crashapp', 'AFTER=ok']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(appDir()).filter((n) => n.endsWith('.tmp')), []);
  }

  before(async () => {
    server = await TestServer.start();
    assert.equal((await server.ssh(['apps:create', 'crashapp'])).code, 0);
    const r = await server.ssh(['config:set', '--no-restart', 'crashapp', 'SENTINEL=kept', ...pairs(0)]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => { await server?.stop(); });

  it('over SSH: the server killed at different moments of a 100-key config:set', async () => {
    let generation = 0;
    for (const [round, delayMs] of [[1, 0], [2, 10], [3, 25], [4, 50], [5, 90], [6, 150]] as const) {
      const ssh = execa('ssh', [...sshOptions(server.sshPort, server.admin), 'dokku@127.0.0.1', 'config:set', '--no-restart', 'crashapp', ...pairs(round)], { reject: false });
      await sleep(delayMs);
      await restartAfterKill9();
      await ssh;
      const found = wholeGeneration();
      assert.ok(found === generation || found === round, `round ${round}: found generation ${found}, expected ${generation} or ${round}`);
      generation = found;
      await nextWriteWorksAndCleansUp();
    }
  });

  it('over the local CLI (forwarded to the server): the server killed mid-command', async () => {
    let generation = wholeGeneration();
    for (const [round, delayMs] of [[11, 100], [12, 200], [13, 300], [14, 450]] as const) {
      const cli = execa(process.execPath, [cliPath, 'config:set', '--no-restart', 'crashapp', ...pairs(round)], { env: server.env(), reject: false });
      await sleep(delayMs);
      await restartAfterKill9();
      await cli;
      const found = wholeGeneration();
      assert.ok(found === generation || found === round, `round ${round}: found generation ${found}`);
      generation = found;
      await nextWriteWorksAndCleansUp();
    }
  });

  it('regression: a writer looping on the store, killed at random points, never leaves a torn ENV file nor a temp file after the next write', async () => {
    // The loop writes 800 kB files back to back, so kills often land inside a write (open, write,
    // fsync, rename); whichever step they hit, the file must hold one whole generation.
    await server.kill('SIGTERM');
    const script = path.join(server.dir, 'writer.mjs');
    fs.writeFileSync(script, [
      `import { loadSettings } from ${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'settings.js'))};`,
      `import { Store } from ${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'store', 'index.js'))};`,
      'const store = new Store(loadSettings());',
      'for (let gen = Number(process.argv[2]); ; gen++) {',
      '  await store.config.update("crashapp", (env) => {',
      `    for (let i = 0; i < ${KEYS}; i++) env.set("KEY_" + String(i).padStart(3, "0"), "gen-" + gen + "-" + i + "-" + "x".repeat(${LOOP_PAD}));`,
      '    return true;',
      '  });',
      '  process.stdout.write(gen + "\\n");',
      '}',
    ].join('\n'));
    let start = 1000;
    for (const delayMs of [150, 260, 370, 480, 590]) {
      const writer = spawn(process.execPath, [script, String(start)], { env: server.env(), stdio: ['ignore', 'pipe', 'inherit'] });
      let written = '';
      writer.stdout.on('data', (chunk: Buffer) => { written += chunk.toString(); });
      await until(() => written.length > 0);
      await sleep(delayMs);
      const exited = new Promise((resolve) => writer.once('exit', resolve));
      writer.kill('SIGKILL');
      await exited;
      const done = written.trim().split('\n').map(Number);
      const found = wholeGeneration();
      const last = done[done.length - 1];
      assert.ok(found === last || found === last + 1, `found generation ${found}, last completed ${last}`);
      start = found + 1;
    }
    server.output = '';
    await server.boot();
    await nextWriteWorksAndCleansUp();
  });

  it('a lock file left by a killed holder, or full of junk, does not block the next write', async () => {
    const lock = path.join(server.home, 'lib', 'locks', 'app-crashapp.lock');
    const holder = spawn(process.execPath, ['--input-type=module', '-e', [
      `import { tryLock } from ${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'store', 'lock.js'))};`,
      `const held = tryLock(${JSON.stringify(lock)});`,
      'process.stdout.write(held ? "held\\n" : "busy\\n");',
      'setInterval(() => {}, 1000);',
    ].join('\n')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    holder.stdout.on('data', (chunk: Buffer) => { said += chunk.toString(); });
    await until(() => said.includes('\n'));
    assert.equal(said, 'held\n');
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    await nextWriteWorksAndCleansUp();
    fs.writeFileSync(lock, 'pid 99999 held this lock once\n');
    await nextWriteWorksAndCleansUp();
    assert.equal((await execa(process.execPath, [cliPath, 'config:get', 'crashapp', 'AFTER'], { env: server.env() })).stdout, 'ok');
  });
});
