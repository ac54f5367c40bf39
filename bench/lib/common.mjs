// Shared helpers for the benchmarks: timing, statistics, child processes we start (and only
// those, stopped by pid), /proc readings, free ports, and the results files.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSnapshot } from './snapshot.mjs';

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(benchDir, '..');
export const resultsDir = path.join(benchDir, 'results');

// `flock bench.lock node …` hands its locked descriptor down to this process, and from here it would
// reach every child (no close-on-exec): a daemonized nginx or an orphaned upstream would hold the
// lock after the bench ended. Closed here; flock itself keeps the lock until this process exits.
for (const fd of fs.existsSync('/proc/self/fd') ? fs.readdirSync('/proc/self/fd') : []) {
  try {
    if (Number(fd) > 2 && /\.lock$/.test(fs.readlinkSync(`/proc/self/fd/${fd}`))) fs.closeSync(Number(fd));
  } catch { /* the directory's own descriptor, already gone */ }
}

// The package root the servers run from: a private snapshot of the build (lib/snapshot.mjs),
// made here unless run.mjs passed one down; BENCH_NO_SNAPSHOT=1 runs the checkout's dist/.
let ownSnapshot = null;
function pickPackageRoot() {
  if (process.env.BENCH_PACKAGE_ROOT) return process.env.BENCH_PACKAGE_ROOT;
  if (process.env.BENCH_NO_SNAPSHOT === '1' || !fs.existsSync(path.join(repoRoot, 'dist', 'src', 'cli.js'))) return repoRoot;
  ownSnapshot = makeSnapshot(repoRoot);
  process.env.BENCH_PACKAGE_ROOT = ownSnapshot;
  return ownSnapshot;
}
export const packageRoot = pickPackageRoot();
export const distDir = path.join(packageRoot, 'dist', 'src');
export const cliPath = path.join(distDir, 'cli.js');

export const CAVEAT = 'Shared 2-core machine; other engineers were running test suites at the same time, '
  + 'so absolute figures are noisy. Ratios come from anchors measured in the same run, interleaved where possible.';

export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- options

/** `--quick` (smoke run), `--runs N`, `--duration S`, `--cpu-prof`; env BENCH_* as fallbacks. */
export function options(argv = process.argv.slice(2)) {
  const get = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i !== -1 && i + 1 < argv.length ? argv[i + 1] : process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  };
  const quick = argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  return {
    quick,
    cpuProf: argv.includes('--cpu-prof') || process.env.BENCH_CPU_PROF === '1',
    runs: (fallback, quickFallback) => Number(get('runs') ?? (quick ? quickFallback : fallback)),
    duration: (fallback, quickFallback) => Number(get('duration') ?? (quick ? quickFallback : fallback)),
    get,
  };
}

// ---------------------------------------------------------------- statistics

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length); // nearest-rank
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { n: 0, median: null, p95: null, mean: null, min: null, max: null };
  const mid = Math.floor(n / 2);
  const median = n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  return { n, median: round(median), p95: round(percentile(sorted, 95)), mean: round(mean), min: round(sorted[0]), max: round(sorted[n - 1]) };
}

export function round(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const ratio = (a, b) => (a && b ? round(a / b, 3) : null);

// ---------------------------------------------------------------- processes we start

const started = new Map(); // pid → { name, child }
let cleaning = false;

/** Spawn a long-lived child and remember it so it is stopped (by pid) when this script ends. */
export function startProcess(name, cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (child.pid) started.set(child.pid, { name, child });
  child.once('exit', () => started.delete(child.pid));
  child.output = '';
  child.stdout?.on('data', (c) => { child.output = (child.output + c.toString()).slice(-65536); });
  child.stderr?.on('data', (c) => { child.output = (child.output + c.toString()).slice(-65536); });
  return child;
}

function alive(child) { return child.exitCode === null && child.signalCode === null; }

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopProcess(child, graceMs = 5000) {
  if (!child?.pid || !alive(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try { process.kill(child.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAll() {
  if (cleaning) return;
  cleaning = true;
  await Promise.all([...started.values()].reverse().map(({ child }) => stopProcess(child, 3000)));
  for (const fn of cleanups.splice(0).reverse()) { try { fn(); } catch { /* best effort */ } }
  cleaning = false;
}

const cleanups = [];
/** Synchronous cleanup (temp dirs) run after the processes are stopped. */
export function onCleanup(fn) { cleanups.push(fn); }

if (ownSnapshot && !process.env.BENCH_KEEP_TMP) onCleanup(() => fs.rmSync(ownSnapshot, { recursive: true, force: true }));

export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `slipway-bench-${prefix}-`));
  if (!process.env.BENCH_KEEP_TMP) onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => { stopAll().finally(() => process.exit(130)); });
}

/**
 * Run a command to completion (bounded by timeoutMs), timing it from spawn to exit.
 * Resolves { code, signal, stdout, stderr, ms }.
 */
export function run(cmd, args, opts = {}) {
  const { timeoutMs = 120_000, input, env, cwd, maxOutput = 1 << 20 } = opts;
  return new Promise((resolve) => {
    const t0 = nowMs();
    const child = spawn(cmd, args, { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (child.pid) started.set(child.pid, { name: cmd, child });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { if (stdout.length < maxOutput) stdout += c.toString(); });
    child.stderr.on('data', (c) => { if (stderr.length < maxOutput) stderr += c.toString(); });
    const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    if (input !== undefined) { child.stdin.on('error', () => {}); child.stdin.end(input); }
    child.on('error', (error) => { stderr += String(error); });
    child.on('close', (code, signal) => {
      const ms = nowMs() - t0;
      clearTimeout(timer);
      started.delete(child.pid);
      resolve({ code: code ?? -1, signal, stdout, stderr, ms });
    });
  });
}

export function which(bin) {
  for (const dir of (process.env.PATH || '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const file = path.join(dir, bin);
    try { fs.accessSync(file, fs.constants.X_OK); return file; } catch { /* next */ }
  }
  return null;
}

// ---------------------------------------------------------------- /proc, ports

/** VmRSS / VmHWM of a pid in MB (null when the process is gone). */
export function memoryOf(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number((new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text) ?? [])[1]);
    return { rssMB: round(kb('VmRSS') / 1024, 1), hwmMB: round(kb('VmHWM') / 1024, 1) };
  } catch {
    return null;
  }
}

/**
 * CPU seconds of a pid: `self` (utime+stime) and `total` (plus cutime+cstime: every descendant
 * it has reaped, e.g. plugin scripts, or sshd's per-connection processes and their shells).
 */
export function cpuOf(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const hz = 100; // USER_HZ
    const self = (Number(f[11]) + Number(f[12])) / hz;
    return { self, total: self + (Number(f[13]) + Number(f[14])) / hz };
  } catch {
    return null;
  }
}

/**
 * CPU time of a pid in ms, to the nanosecond: the sum of its threads' run time (the first field of
 * /proc/PID/task/TID/schedstat), where /proc/PID/stat counts in 10 ms ticks. A thread that already
 * exited is not counted (Node's threads live as long as the process). null when the pid is gone.
 */
export function cpuPreciseMs(pid) {
  try {
    let ns = 0;
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try { ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]); } catch { /* the thread just exited */ }
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}

/** Samples a pid's RSS every `everyMs` until stopped; returns the peak seen. */
export function rssSampler(pid, everyMs = 50) {
  let peak = 0;
  const tick = () => { const m = memoryOf(pid); if (m && m.rssMB > peak) peak = m.rssMB; };
  tick();
  const timer = setInterval(tick, everyMs);
  return { stop() { clearInterval(timer); tick(); return peak; } };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

// ---------------------------------------------------------------- results

function gitRead(args) {
  try {
    return execFileSync('git', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

const startedAt = new Date();
const loadAtStart = os.loadavg();

/** Writes bench/results/<workload>.json (atomically) and returns the path. */
export function writeResult(workload, body) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const experiment = body.experiment_name ?? (process.env.BENCH_EXPERIMENT || undefined);
  const doc = {
    workload,
    ...(experiment ? { experiment: body.experiment_name ? `variant ${experiment} (not how Slipway runs today)` : `server started with bench/lib/experiments/${experiment}.mjs preloaded (a proposed src fix, not the shipped code)` } : {}),
    ...body,
    date: startedAt.toISOString(),
    seconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
    machine: {
      cores: os.cpus().length,
      node: process.version,
      commit: gitRead(['rev-parse', '--short', 'HEAD']),
      // The build under test is the working tree (others' uncommitted work included).
      uncommitted_files: (gitRead(['status', '--porcelain', '--', 'src']) ?? '').split('\n').filter(Boolean).length,
      package_root: packageRoot === repoRoot ? 'checkout' : 'snapshot of dist/',
      loadavg_start: loadAtStart.map((v) => round(v)),
      loadavg_end: os.loadavg().map((v) => round(v)),
    },
    caveat: CAVEAT,
  };
  // Experiment runs never overwrite the figures of the code as shipped.
  const file = path.join(resultsDir, experiment ? `${workload}.experiment-${experiment.replace(/,/g, '+')}.json` : `${workload}.json`);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  return file;
}

/** A target line for the summary: met is true/false, or null when it could not be measured. */
export function target(name, goal, value, met, note = '') {
  return { name, goal, value, met, note };
}

/** Runs a workload's main(): writes the result, prints it, always stops what it started. */
export async function main(workload, fn) {
  let result;
  try {
    result = await fn();
  } catch (error) {
    result = { status: 'error', reason: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  } finally {
    await stopAll();
  }
  const file = writeResult(workload, result);
  process.stdout.write(`${JSON.stringify({ workload, status: result.status, reason: result.reason, targets: result.targets, ratios: result.ratios }, null, 2)}\n`);
  process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
  process.exit(result.status === 'error' ? 1 : 0);
}

export function log(line) {
  process.stderr.write(`[bench] ${line}\n`);
}
