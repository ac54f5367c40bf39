// Reads V8 .cpuprofile files written by `node --cpu-prof` on the server and boils them down to
// what a report needs: where self time goes (by function and by module) and the heaviest
// inclusive frames. Raw profiles stay in bench/results/profiles/ (git-ignored).
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot, repoRoot, resultsDir, round } from './common.mjs';

export function profileDir(workload) {
  return path.join(resultsDir, 'profiles', `${workload}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
}

function moduleOf(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const own = /dist\/src\/([^/]+)/.exec(url);
  if (own) return `slipway/${own[1].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  return path.relative(repoRoot, url.replace(/^file:\/\//, ''));
}

function label(frame) {
  const file = frame.url ? frame.url.replace(/^file:\/\//, '').replace(`${packageRoot}/`, '').replace(`${repoRoot}/`, '') : '';
  return `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
}

export function summarizeProfile(file, top = 15) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const inclusive = new Map();
  const modules = new Map();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id);
    total += dt;
    if (node.callFrame.functionName === '(idle)') { idle += dt; return; }
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
    const mod = moduleOf(node.callFrame.url, node.callFrame.functionName);
    modules.set(mod, (modules.get(mod) ?? 0) + dt);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur).callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
  const busy = total - idle;
  const rank = (map, skip = () => false) => [...map.entries()].filter(([k]) => !skip(k)).sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, ms]) => ({ name, ms: round(ms, 1), pct_of_busy: round((100 * ms) / busy, 1) }));
  return {
    file: path.relative(repoRoot, file),
    wall_ms: round(total, 0),
    busy_ms: round(busy, 0),
    by_module_self: rank(modules),
    top_self: rank(self),
    top_inclusive: rank(inclusive, (k) => /^\((root|program)\)/.test(k) || /^(processTicksAndRejections|listOnTimeout|processTimers|emit|runMicrotasks) /.test(k)),
  };
}

export function summarizeProfiles(files) {
  return files.map((f) => {
    try { return summarizeProfile(f); } catch (error) { return { file: f, error: String(error) }; }
  });
}

// `node bench/lib/profile.mjs FILE.cpuprofile` prints the summary.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  for (const f of process.argv.slice(2)) process.stdout.write(`${JSON.stringify(summarizeProfile(f, 25), null, 2)}\n`);
}
