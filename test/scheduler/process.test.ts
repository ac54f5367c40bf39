// The process engine on its own: restart with backoff, stop by process group (grandchildren
// too), log files with rotation, and reaping processes a dead server left behind.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/settings.js';
import { Store } from '../../src/store/index.js';
import { ProcessScheduler, processEngine } from '../../src/scheduler/process/engine.js';
import { groupAlive } from '../../src/scheduler/process/groups.js';
import { RotatingLog, LogStore } from '../../src/store/log-files.js';
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

  it('stops the processes a previous server left running', async () => {
    const crashed = new ProcessScheduler(store, (l) => log.push(l));
    const gen = await crashed.start(spec(dir, { worker: 'sleep 300' }, { worker: 1 }));
    const pid = (await eventually(async () => gen.instances()[0].pid))!;
    await eventually(async () => ((await store.processes.read()).some((r) => r.pid === pid) ? true : undefined));
    const next = await processEngine.create({ store, log: (l) => log.push(l) });
    assert.equal(groupAlive(pid), false);
    assert.ok(log.some((l) => l.includes(`stopping orphaned process unit worker.1 (pid ${pid})`)), log.join('\n'));
    await crashed.close();
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
});
