#!/usr/bin/env node
// `npm run bench` (after the build): runs every workload in its own process, each bounded in
// time, then rewrites the summary table in bench/README.md from bench/results/*.json.
// `node bench/run.mjs [--quick] [workload…]` runs a subset; exits 0 unless it cannot run at all;
// `node bench/run.mjs --table` only rewrites the tables.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSnapshot } from './lib/snapshot.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsDir = path.join(benchDir, 'results');
const readme = path.join(benchDir, 'README.md');

/** Order and time budget (minutes) of each workload. */
const WORKLOADS = [
  ['roundtrip', 10],
  ['dispatch', 15],
  ['push', 25],
  ['concurrency', 15],
  ['deploy', 15],
  ['proxy', 10],
  ['tls', 10],
  ['nginx-mode', 10],
  ['proxies', 15],
  ['memory', 10],
  ['startup', 10],
  ['swarm', 15],
  ['dashboard', 10],
];

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const valueFlags = new Set(['--runs', '--duration', '--sessions', '--mb', '--plugins', '--connections', '--push-mb', '--proxy-workers', '--old-runs', '--variants']);
const passThrough = [];
const chosen = [];
for (let i = 0; i < args.length; i++) {
  if (valueFlags.has(args[i])) { passThrough.push(args[i], args[++i]); continue; }
  if (args[i].startsWith('--')) { passThrough.push(args[i]); continue; }
  chosen.push(args[i]);
}
const unknown = chosen.filter((w) => !WORKLOADS.some(([name]) => name === w));
if (unknown.length) {
  process.stderr.write(`unknown workload(s): ${unknown.join(', ')}; known: ${WORKLOADS.map(([n]) => n).join(', ')}\n`);
  process.exit(2);
}
const selected = WORKLOADS.filter(([name]) => chosen.length === 0 || chosen.includes(name));
if (!fs.existsSync(path.join(benchDir, '..', 'dist', 'src', 'cli.js'))) {
  process.stderr.write('dist/src/cli.js is missing: run `npx tsc -p .` (npm run bench builds first)\n');
  process.exit(1);
}

function writeFailure(name, reason) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const experiment = process.env.BENCH_EXPERIMENT;
  const file = path.join(resultsDir, experiment ? `${name}.experiment-${experiment.replace(/,/g, '+')}.json` : `${name}.json`);
  const doc = { workload: name, status: 'error', reason, date: new Date().toISOString(), targets: [] };
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}

function runWorkload(name, minutes) {
  return new Promise((resolve) => {
    const script = path.join(benchDir, 'workloads', `${name}.mjs`);
    const started = Date.now();
    process.stderr.write(`\n=== ${name} (budget ${minutes} min) ===\n`);
    const child = spawn(process.execPath, [script, ...passThrough], { stdio: 'inherit' });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.stderr.write(`=== ${name}: over its ${minutes} min budget, stopping it (pid ${child.pid})\n`);
      child.kill('SIGTERM');
      setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 30_000).unref();
    }, minutes * 60_000);
    const forward = (signal) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      const seconds = Math.round((Date.now() - started) / 1000);
      if (timedOut) writeFailure(name, `timed out after ${minutes} min`);
      else if (code !== 0 && code !== 1) writeFailure(name, `the workload process ended with ${signal ?? `exit ${code}`}`);
      process.stderr.write(`=== ${name}: done in ${seconds} s (${signal ?? `exit ${code}`})\n`);
      resolve();
    });
  });
}

// ------------------------------------------------------------------ summary table

const fmt = (v) => (v === null || v === undefined ? '—' : typeof v === 'number' ? String(v) : String(v));
const mark = (met) => (met === true ? 'met' : met === false ? '**missed**' : '—');
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function summaryTable() {
  const rows = ['| workload | measure | target | value | met | notes | run |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const [name] of WORKLOADS) {
    const file = path.join(resultsDir, `${name}.json`);
    if (!fs.existsSync(file)) { rows.push(`| ${name} | — | — | — | — | not run yet | — |`); continue; }
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    const when = `${(doc.date ?? '').slice(0, 16).replace('T', ' ')}${doc.params?.runs !== undefined ? `, n=${doc.params.runs}` : ''}`;
    if (doc.status !== 'ok') {
      const reason = cell((doc.reason ?? '').split('\n')[0].slice(0, 200));
      const goals = (doc.targets ?? []).map((t) => `${t.name} ${t.goal}`).join('; ') || '—';
      rows.push(`| ${name} | ${doc.status} | ${cell(goals)} | — | — | ${reason} | ${when} |`);
      continue;
    }
    for (const t of doc.targets ?? []) {
      rows.push(`| ${name} | ${cell(t.name)} | ${cell(t.goal)} | ${cell(fmt(t.value))} | ${mark(t.met)} | ${cell(t.note ?? '')} | ${when} |`);
    }
  }
  return rows.join('\n');
}

function experimentsTable() {
  const files = fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir).filter((f) => /\.experiment-.+\.json$/.test(f)).sort() : [];
  if (files.length === 0) return '_No experiment runs recorded._';
  const rows = ['| result file | measure | value | met | notes |', '| --- | --- | --- | --- | --- |'];
  for (const f of files) {
    const doc = JSON.parse(fs.readFileSync(path.join(resultsDir, f), 'utf8'));
    for (const t of doc.targets ?? []) rows.push(`| ${f} | ${cell(t.name)} ${cell(t.goal)} | ${cell(fmt(t.value))} | ${mark(t.met)} | ${cell(t.note ?? '')} |`);
  }
  return rows.join('\n');
}

function updateReadme() {
  if (!fs.existsSync(readme)) return;
  const text = fs.readFileSync(readme, 'utf8');
  const replace = (src, tag, body) => {
    const begin = `<!-- ${tag}:begin -->`;
    const end = `<!-- ${tag}:end -->`;
    const a = src.indexOf(begin);
    const b = src.indexOf(end);
    if (a === -1 || b === -1) return src;
    return `${src.slice(0, a + begin.length)}\n${body}\n${src.slice(b)}`;
  };
  let next = replace(text, 'results', summaryTable());
  next = replace(next, 'experiments', experimentsTable());
  if (next !== text) fs.writeFileSync(readme, next);
}

// `--table`: only rewrite the tables from bench/results/*.json (e.g. after a rebase merged others' results).
if (flags.includes('--table')) {
  updateReadme();
  process.exit(0);
}

// One private copy of the build for every workload (others rebuild dist/ while we run).
let snapshot = null;
if (!process.env.BENCH_PACKAGE_ROOT && process.env.BENCH_NO_SNAPSHOT !== '1') {
  snapshot = makeSnapshot(path.resolve(benchDir, '..'));
  process.env.BENCH_PACKAGE_ROOT = snapshot;
  process.stderr.write(`running the build copied to ${snapshot}\n`);
}
try {
  for (const [name, minutes] of selected) await runWorkload(name, minutes);
} finally {
  if (snapshot && !process.env.BENCH_KEEP_TMP) fs.rmSync(snapshot, { recursive: true, force: true });
}
updateReadme();
process.stdout.write(`\n${summaryTable()}\n`);
process.exit(0);
