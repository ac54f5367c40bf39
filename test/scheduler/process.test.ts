// The process engine on its own: restart with backoff, stop by process group (grandchildren
// too), log files with rotation, and adopting what a previous server left running (10.3).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/settings.js';
import { Store } from '../../src/store/index.js';
import { ONE_OFF_VAR, ProcessScheduler, processEngine } from '../../src/scheduler/process/engine.js';
import { PassThrough } from 'node:stream';
import { groupAlive, groupsMarked } from '../../src/os/process-group.js';
import { RotatingLog, LogStore } from '../../src/store/log-files.js';
import { OUTPUT_CAP, ProcessOutput } from '../../src/store/process-output.js';
import type { GenerationSpec } from '../../src/scheduler/types.js';
import { parseAppName } from '../../src/names.js';
import { eventually } from '../deploy/helpers.js';

const app = parseAppName('unit');

function spec(dir: string, processTypes: Record<string, string>, scale: Record<string, number>): GenerationSpec {
  return { release: { app, version: 1, dir, processTypes }, scale, env: { FROM_CONFIG: 'yes' } };
}

describe('process scheduler', function () {
  this.timeout(60_000);
  let dir: string;
  let store: Store;
  const log: string[] = [];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-sched-'));
    store = new Store(loadSettings({ SLIPWAY_HOME: path.join(dir, 'data'), SLIPWAY_KEYS_DIR: path.join(dir, 'keys') }, dir));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('restarts a crashing process with growing delays and stops restarting once stopped', async () => {
    const scheduler = new ProcessScheduler(store, (l) => log.push(l), { backoff: { initialMs: 10, maxMs: 80, resetAfterMs: 60_000 } });
    const gen = await scheduler.start(spec(dir, { worker: 'echo "worker $FROM_CONFIG $DYNO"; exit 7' }, { worker: 1 }));
    const info = await eventually(async () => gen.instances().find((i) => i.exits >= 4));
    assert.equal(info.lastExitCode, 7);
    assert.ok(info.recentOutput.includes('worker yes worker.1'), info.recentOutput.join('\n'));
    assert.match(info.recentOutput.join('\n'), /exited with code 7; restarting in 0\.1s/, 'the delay doubled up to the cap');
    await scheduler.stop(gen);
    const exits = gen.instances()[0].exits;
    assert.equal(gen.instances()[0].state, 'stopped');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(gen.instances()[0].exits, exits, 'no restart after stop');
    assert.deepEqual(scheduler.generations(app), []);
    await scheduler.close();
  });

  it('gives web processes a PORT and stops the whole process group, grandchildren included', async () => {
    const scheduler = new ProcessScheduler(store, (l) => log.push(l));
    const gen = await scheduler.start(spec(dir, { web: 'sleep 300 & sleep 300 & echo "port $PORT"; wait' }, { web: 1 }));
    const web = await eventually(async () => gen.instances().find((i) => i.recentOutput.length > 0));
    assert.equal(web.recentOutput[0], `port ${web.port}`);
    const pgid = web.pid!;
    assert.ok(groupAlive(pgid));
    await scheduler.stop(gen);
    assert.equal(groupAlive(pgid), false);
    await scheduler.close();
  });

  it('writes each process\'s output to its log file and tails it', async () => {
    const scheduler = new ProcessScheduler(store, (l) => log.push(l));
    const gen = await scheduler.start(spec(dir, { web: 'echo one; echo two; sleep 300', worker: 'echo three; sleep 300' }, { web: 1, worker: 1 }));
    await eventually(async () => ((await store.logs.tail(app, 10)).length === 3 ? true : undefined));
    const lines: string[] = [];
    await scheduler.logs(app, { lines: 10, follow: false, type: 'web' }, (l) => lines.push(l), new AbortController().signal);
    assert.deepEqual(lines.map((l) => l.replace(/^\S+ /, '')), ['app[web.1]: one', 'app[web.1]: two']);
    await scheduler.stop(gen);
    await scheduler.close();
  });

  it('10.3: a new scheduler adopts what the previous one left running (same pids, same port), supervises it again, and stops what nothing adopts', async () => {
    const backoff = { initialMs: 10, maxMs: 80, resetAfterMs: 60_000 };
    const first = new ProcessScheduler(store, (l) => log.push(l), { backoff });
    const kept = spec(dir, { web: 'echo "web on $PORT"; exec sleep 300', worker: 'exec sleep 300' }, { web: 1, worker: 1 });
    const gen = await first.start(kept);
    const other = parseAppName('other');
    const otherGen = await first.start({ release: { app: other, version: 1, dir, processTypes: { worker: 'exec sleep 300' } }, scale: { worker: 1 }, env: {} });
    const before = await eventually(async () => {
      const all = gen.instances();
      return all.every((i) => i.pid !== undefined) && all.some((i) => i.recentOutput.length > 0) ? all : undefined;
    });
    const otherPid = otherGen.instances()[0].pid!;
    await first.detach();
    assert.ok(before.every((i) => groupAlive(i.pid!)), 'detach leaves every process running');
    assert.ok(groupAlive(otherPid));
    assert.equal(fs.readFileSync(path.join(store.layout.processesDir(app), (gen as unknown as { name: string }).name, 'web.1.pid'), 'utf8').trim(), String(before.find((i) => i.id === 'web.1')!.pid));

    const next = await processEngine.create({ store, log: (l) => log.push(l) });
    const adopted = await next.adopt!(kept);
    assert.ok(adopted, 'the same release, scale and config is adopted');
    assert.deepEqual(adopted.instances().map((i) => [i.id, i.pid, i.port]), before.map((i) => [i.id, i.pid, i.port]));
    await next.settle!();
    await eventually(async () => (groupAlive(otherPid) ? undefined : true));
    assert.ok(log.some((l) => l.includes(`stopping other worker.1 (pid ${otherPid}) left by a previous server: nothing adopted it`)), log.join('\n'));

    // Supervision resumed: an adopted process that dies is restarted (new pid, one exit counted).
    const worker = before.find((i) => i.id === 'worker.1')!;
    process.kill(-worker.pid!, 'SIGKILL');
    const restarted = await eventually(async () => adopted.instances().find((i) => i.id === 'worker.1' && i.state === 'running' && i.pid !== worker.pid));
    assert.equal(restarted.exits, 1);
    await next.close();
    assert.ok(adopted.instances().every((i) => i.pid === undefined || !groupAlive(i.pid)));
    assert.deepEqual(await store.processes.all(), [], 'no record is left once everything stopped');
  });

  it('10.3: a previous generation with another config is not adopted: it is stopped, and one-off commands left running are stopped at start', async () => {
    const first = new ProcessScheduler(store, (l) => log.push(l));
    const gen = await first.start(spec(dir, { worker: 'exec sleep 300' }, { worker: 1 }));
    const pid = (await eventually(async () => gen.instances()[0].pid))!;
    const oneOff = first.run({ release: { app, version: 1, dir, processTypes: {} }, env: {}, command: 'echo started; exec sleep 300' },
      { stdout: new PassThrough(), stderr: new PassThrough() }, new AbortController().signal);
    const oneOffPid = await eventually(async () => groupsMarked(ONE_OFF_VAR, store.processes.owner)[0]);
    await first.detach();
    const next = await processEngine.create({ store, log: (l) => log.push(l) });
    assert.equal(groupAlive(oneOffPid), false, 'the one-off command nobody waits for is stopped at start');
    assert.equal(await oneOff, 128 + 15);
    const changed = spec(dir, { worker: 'exec sleep 300' }, { worker: 1 });
    changed.env = { FROM_CONFIG: 'changed' };
    assert.equal(await next.adopt!(changed), undefined);
    assert.equal(groupAlive(pid), false);
    await next.close();
  });
});

describe('log files', () => {
  it('rotate at the size cap and the tail reads across the rotation, in time order', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-logs-'));
    const store = new Store(loadSettings({ SLIPWAY_HOME: dir, SLIPWAY_KEYS_DIR: dir }, dir));
    const logs = new LogStore(store.layout);
    const file = logs.file(app, 'web.1');
    const writer = new RotatingLog(file, 200);
    for (let i = 0; i < 12; i++) writer.write(`2024-01-01T00:00:${String(i).padStart(2, '0')}.000Z app[web.1]: line ${i}`);
    await writer.close();
    assert.ok(fs.existsSync(`${file}.1`));
    assert.ok(fs.statSync(file).size < 200);
    const tail = await logs.tail(app, 5);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(tail.map((l) => l.split(': ')[1]), ['line 7', 'line 8', 'line 9', 'line 10', 'line 11']);
  });

  it('10.3: an app\'s output file is read on from where the last server stopped (.pos) and cut back once read past the cap', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-output-'));
    const file = path.join(dir, 'gen', 'web.1.out');
    const first = new ProcessOutput(file);
    const fd = first.openForWriter();
    try {
      fs.writeSync(fd, 'one\ntwo\n');
      assert.equal(first.read(), 'one\ntwo\n');
      assert.equal(first.read(), '');
      first.close();
      fs.writeSync(fd, 'while no server ran\n');
      const next = new ProcessOutput(file);
      assert.equal(next.read(), 'while no server ran\n', 'the next server reads only what is new');
      fs.writeSync(fd, 'x'.repeat(OUTPUT_CAP));
      let read = 0;
      for (let text = next.read(); text; text = next.read()) read += text.length;
      assert.equal(read, OUTPUT_CAP);
      assert.equal(fs.statSync(file).size, 0, 'cut back once read past the cap');
      fs.writeSync(fd, 'after\n');
      assert.equal(next.read(), 'after\n', 'the writer (O_APPEND) goes on at the new end');
      next.close();
    } finally {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
