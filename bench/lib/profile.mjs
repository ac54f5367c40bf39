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

/**
 * Where the extra time goes in one kind of span against another (e.g. pushes with pages open
 * against pushes without): the samples whose timestamps fall in spansA and in spansB (µs on the
 * monotonic clock, as hrtime gives it: the profile's clock), each summed per span, and the
 * difference A − B per function (self and inclusive) and per module, largest first. focus: named
 * patterns; for each, the time per span of the samples with a frame whose URL matches it (A − B).
 */
export function diffProfile(file, spansA, spansB, { top = 20, focus = {} } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const tally = () => ({ busy: 0, self: new Map(), inclusive: new Map(), modules: new Map(), focus: new Map() });
  const a = tally();
  const b = tally();
  const inSpan = (spans, t) => spans.some(([from, to]) => t >= from && t <= to);
  const add = (map, key, dt) => map.set(key, (map.get(key) ?? 0) + dt);
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    const into = inSpan(spansA, t) ? a : inSpan(spansB, t) ? b : undefined;
    const node = byId.get(id);
    if (!into || node.callFrame.functionName === '(idle)') return;
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    into.busy += dt;
    add(into.self, label(node.callFrame), dt);
    add(into.modules, moduleOf(node.callFrame.url, node.callFrame.functionName), dt);
    const seen = new Set();
    const matched = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur).callFrame;
      const k = label(frame);
      if (!seen.has(k)) { seen.add(k); add(into.inclusive, k, dt); }
      for (const [name, pattern] of Object.entries(focus)) if (pattern.test(frame.url)) matched.add(name);
    }
    for (const name of matched) add(into.focus, name, dt);
  });
  const diff = (ma, mb, skip = () => false) => {
    const keys = new Set([...ma.keys(), ...mb.keys()]);
    return [...keys].filter((k) => !skip(k))
      .map((k) => ({ name: k, ms_per_push: round((ma.get(k) ?? 0) / spansA.length - (mb.get(k) ?? 0) / spansB.length, 2) }))
      .sort((x, y) => y.ms_per_push - x.ms_per_push).slice(0, top);
  };
  return {
    file: path.relative(repoRoot, file),
    busy_ms_per_push_a: round(a.busy / spansA.length, 1),
    busy_ms_per_push_b: round(b.busy / spansB.length, 1),
    focus_ms_per_push: Object.fromEntries(Object.keys(focus).map((name) => [name, {
      a: round((a.focus.get(name) ?? 0) / spansA.length, 2),
      b: round((b.focus.get(name) ?? 0) / spansB.length, 2),
    }])),
    by_module_self: diff(a.modules, b.modules),
    top_self: diff(a.self, b.self),
    top_inclusive: diff(a.inclusive, b.inclusive, (k) => /^\((root|program)\)/.test(k) || /^(processTicksAndRejections|listOnTimeout|processTimers|emit|runMicrotasks) /.test(k)),
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
