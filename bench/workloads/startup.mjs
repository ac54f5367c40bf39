// Workload 8 — start-up: `npm start` until the banner on an installed tree (dist/ built at install
// by `prepare`, sources unchanged), against `node -e ''` and the old start path (prestart ran tsc
// every time), both measured in the same run. Each run starts a real server and stops it (by pid).
import fs from 'node:fs';
import path from 'node:path';
import { log, main, nowMs, onCleanup, options, ratio, repoRoot, round, run, startProcess, stopProcess, summarize, target, tempDir } from '../lib/common.mjs';

const opts = options();
const RUNS = opts.runs(10, 3);
const OLD_RUNS = Number(opts.get('old-runs') ?? (opts.quick ? 1 : 3));
const BANNER = /=====> Slipway \S+ listening/;

/** A copy of the checkout as `npm install` leaves it: sources, scripts, node_modules (linked), no dist/. */
function installedTree(name) {
  const root = tempDir(`startup-${name}`);
  for (const entry of ['src', 'test', 'scripts', 'bin', 'plugins']) {
    fs.cpSync(path.join(repoRoot, entry), path.join(root, entry), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  }
  for (const file of ['package.json', 'package-lock.json', 'tsconfig.json']) fs.copyFileSync(path.join(repoRoot, file), path.join(root, file));
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  return root;
}

/** Spawns `npm start` (or another start command) and resolves the ms until the banner; then stops it. */
async function timeToBanner(cmd, args, cwd, env) {
  const t0 = nowMs();
  // Own process group: npm, its sh and the server are stopped together (this group only).
  const child = startProcess('server', cmd, args, { cwd, env, detached: true });
  const ms = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 120 s:\n${child.output}`)), 120_000);
    child.stdout.on('data', () => { if (BANNER.test(child.output)) { clearTimeout(timer); resolve(nowMs() - t0); } });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${cmd} exited ${code} before the banner:\n${child.output}`)); });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try { process.kill(-child.pid, 'SIGTERM'); } catch (error) { if (error.code !== 'ESRCH') throw error; }
  const force = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
  await exited;
  clearTimeout(force);
  await stopProcess(child);
  return ms;
}

function serverEnv(dir) {
  const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  for (const name of Object.keys(env)) if (name.startsWith('SLIPWAY_')) delete env[name];
  return {
    ...env,
    HOME: path.join(dir, 'user'),
    SLIPWAY_HOME: path.join(dir, 'data'),
    SLIPWAY_KEYS_DIR: path.join(dir, 'keys'),
    SLIPWAY_SSH_LISTEN: '127.0.0.1:0',
    SLIPWAY_HTTP_LISTEN: '127.0.0.1:0',
    SLIPWAY_DASHBOARD_LISTEN: '127.0.0.1:0',
    SLIPWAY_HTTPS_LISTEN: '127.0.0.1:0',
    SLIPWAY_GIT_HTTP_LISTEN: '127.0.0.1:0',
    SLIPWAY_SCHEDULER: 'process',
  };
}

main('startup', async () => {
  // The tree as installed: `npm install` ran `prepare`, which built dist/.
  const tree = installedTree('new');
  const data = tempDir('startup-data');
  fs.mkdirSync(path.join(data, 'user'));
  const env = serverEnv(data);
  const install = await run(process.execPath, [path.join(tree, 'scripts', 'build.mjs'), '--if-stale'], { cwd: tree, env, timeoutMs: 600_000 });
  if (install.code !== 0) return { status: 'error', reason: `prepare failed: ${install.stderr}` };
  log(`installed tree ${tree}: prepare built dist/ in ${round(install.ms)} ms`);

  // The old path: the same tree with the old scripts, prestart running tsc on every start.
  const oldTree = installedTree('old');
  const pkg = JSON.parse(fs.readFileSync(path.join(oldTree, 'package.json'), 'utf8'));
  pkg.scripts = { ...pkg.scripts, build: 'tsc -p tsconfig.json', prestart: 'npm run build' };
  delete pkg.scripts.prepare;
  fs.writeFileSync(path.join(oldTree, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  onCleanup(() => fs.rmSync(oldTree, { recursive: true, force: true }));

  await timeToBanner('npm', ['start'], tree, env); // warm-up: host key, data folders, page cache
  const npmStart = [];
  const direct = [];
  const bareNode = [];
  for (let i = 0; i < RUNS; i++) {
    npmStart.push(await timeToBanner('npm', ['start'], tree, env));
    direct.push(await timeToBanner(process.execPath, [path.join(tree, 'dist', 'src', 'cli.js'), 'serve'], tree, env));
    bareNode.push((await run(process.execPath, ['-e', ''], { env })).ms);
    log(`run ${i + 1}/${RUNS}: npm start ${round(npmStart.at(-1))} ms, node dist/src/cli.js serve ${round(direct.at(-1))} ms, node -e '' ${round(bareNode.at(-1))} ms`);
  }
  const oldStart = [];
  for (let i = 0; i < OLD_RUNS; i++) {
    oldStart.push(await timeToBanner('npm', ['start'], oldTree, env));
    log(`old path ${i + 1}/${OLD_RUNS}: npm start with tsc in prestart ${round(oldStart.at(-1))} ms`);
  }
  const s = { npmStart: summarize(npmStart), direct: summarize(direct), bareNode: summarize(bareNode), oldStart: summarize(oldStart) };
  return {
    status: 'ok',
    params: { runs: RUNS, old_runs: OLD_RUNS },
    series: s,
    ratios: {
      npm_start_vs_old_prestart: ratio(s.npmStart.median, s.oldStart.median),
      npm_start_vs_node_e: ratio(s.npmStart.median, s.bareNode.median),
      npm_start_vs_direct: ratio(s.npmStart.median, s.direct.median),
    },
    targets: [
      target('npm start → banner on an installed tree (slowest run)', '≤ 2000 ms', s.npmStart.max, s.npmStart.max !== null && s.npmStart.max <= 2000,
        `median ${s.npmStart.median} ms; node dist/src/cli.js serve ${s.direct.median} ms; node -e '' ${s.bareNode.median} ms (${ratio(s.npmStart.median, s.bareNode.median)}×)`),
      target('npm start vs the old prestart (tsc every start), median', 'reported', ratio(s.npmStart.median, s.oldStart.median), null,
        `${s.npmStart.median} vs ${s.oldStart.median} ms (n=${OLD_RUNS} for the old path)`),
    ],
  };
});
