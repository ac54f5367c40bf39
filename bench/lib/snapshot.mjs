// dist/ is shared with engineers who rebuild it while benchmarks run, and a server (or a git
// hook shim it spawns) that loads a half-rewritten dist/ dies. So the bench runs a private copy:
// dist/, plugins/, bin/ and package.json copied to a temp package root once the build has been
// quiet for a moment, with node_modules linked. Settings' packageRoot follows the copy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function newest(dir) {
  let latest = 0;
  let files = 0;
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else { files++; latest = Math.max(latest, fs.statSync(p).mtimeMs); }
    }
  };
  walk(dir);
  return { latest, files };
}

function sleepSync(ms) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }

/** Copies the built package to a temp dir; returns its path. Throws when dist/ is missing. */
export function makeSnapshot(repoRoot, { quietMs = 2000, tries = 6 } = {}) {
  const dist = path.join(repoRoot, 'dist');
  if (!fs.existsSync(path.join(dist, 'src', 'cli.js'))) throw new Error(`${dist}/src/cli.js is missing: run \`npx tsc -p .\` first`);
  for (let attempt = 1; attempt <= tries; attempt++) {
    // Wait (up to a minute) for a moment with no writes under dist/.
    for (let waited = 0; Date.now() - newest(dist).latest < quietMs && waited < 60_000; waited += 500) sleepSync(500);
    const before = newest(dist);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-bench-pkg-'));
    for (const name of ['dist', 'plugins', 'bin']) {
      fs.cpSync(path.join(repoRoot, name), path.join(root, name), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    }
    fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'));
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
    const after = newest(dist);
    if (after.latest === before.latest && after.files === before.files) return root;
    fs.rmSync(root, { recursive: true, force: true });
    sleepSync(quietMs);
  }
  throw new Error('dist/ kept changing while it was copied (someone is rebuilding): try again');
}
