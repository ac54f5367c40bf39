#!/usr/bin/env node
// Compiles src/ and test/ into dist/ with tsc (`npm run build`); with --if-stale (prepare, prestart,
// pretest) only when a source changed since the last successful build, recorded in dist/.build-stamp.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
/** What the build reads: tsc's inputs, its settings and the installed type packages. */
const inputs = ['src', 'test', 'tsconfig.json', 'package-lock.json'];

/** Newest mtime under a file or folder (folders count too: a deleted or renamed file changes them). */
function newest(file) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    if (error.code === 'ENOENT') return 0;
    throw error;
  }
  let latest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const entry of fs.readdirSync(file)) latest = Math.max(latest, newest(path.join(file, entry)));
  }
  return latest;
}

function stale() {
  let built;
  try {
    built = fs.statSync(stamp).mtimeMs;
  } catch (error) {
    if (error.code === 'ENOENT') return 'no build yet';
    throw error;
  }
  const changed = inputs.find((input) => newest(path.join(root, input)) > built);
  return changed ? `${changed} changed` : undefined;
}

if (!fs.existsSync(path.join(root, 'src'))) {
  // e.g. the Dockerfile's `npm ci` layer, before the sources are copied in.
  process.stderr.write('build: no src/ here yet, nothing to compile\n');
  process.exit(0);
}
if (process.argv.includes('--if-stale')) {
  const reason = stale();
  if (!reason) process.exit(0);
  process.stderr.write(`build: compiling TypeScript (${reason})\n`);
}
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
if (!fs.existsSync(tsc)) {
  process.stderr.write('build: TypeScript is not installed (a production install?): run `npm install`, then `npm run build`\n');
  process.exit(1);
}
const started = new Date();
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
// The stamp gets the time the build started: a source saved during the build makes the next run rebuild.
fs.mkdirSync(path.dirname(stamp), { recursive: true });
fs.writeFileSync(stamp, `${started.toISOString()}\n`);
fs.utimesSync(stamp, started, started);
