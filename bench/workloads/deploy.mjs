// Workload 5 — deploy latency: from the start of `git push` (deploy branch) to the first 200 OK
// through Slipway's proxy, for a static site and a Node app (native builder, process scheduler),
// minus the plain push time of the same repo (pushed to a non-deploy branch of another app).
import path from 'node:path';
import { cliPath, distDir, log, main, nowMs, options, round, run, sleep, summarize, target, tempDir } from '../lib/common.mjs';
import { SlipwayServer } from '../lib/slipway.mjs';
import { makeAppRepo, probeGit, push, slipwayUrl, sshEnv } from '../lib/git.mjs';
import { get } from '../lib/http-get.mjs';
import { profileDir, summarizeProfiles } from '../lib/profile.mjs';

const opts = options();
const RUNS = opts.runs(5, 1);

const APPS = {
  static: (marker) => ({ 'index.html': `<!doctype html><title>bench</title><p>${marker}</p>\n` }),
  node: (marker) => ({
    'package.json': `${JSON.stringify({ name: 'bench-node-app', version: '1.0.0', private: true, scripts: { start: 'node server.js' } }, null, 2)}\n`,
    'package-lock.json': `${JSON.stringify({ name: 'bench-node-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'bench-node-app', version: '1.0.0' } } }, null, 2)}\n`,
    'server.js': `const http = require('http');\nhttp.createServer((req, res) => res.end(${JSON.stringify(marker)} + '\\n')).listen(process.env.PORT || 5000);\n`,
  }),
};

async function hostFor(server, app) {
  const r = await server.ssh(['urls', app]);
  const m = /https?:\/\/([^\s:/]+)/.exec(r.stdout);
  return m ? m[1] : `${app}.localhost`;
}

/** Polls the proxy until the app answers 200 with the marker; resolves the time it did. */
async function firstOk(port, host, marker, stop, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stop.aborted) {
    const r = await get(port, host, '/', 2000);
    if (r.status === 200 && r.body.includes(marker)) return nowMs();
    await sleep(10);
  }
  return null;
}

/**
 * Every push runs the pre-receive shim `node dist/src/cli.js __hook pre-receive`. Its start-up,
 * next to bare node and to loading only the hook client, shows what the CLI's imports cost.
 */
async function hookStartup(serverEnv, runs = 10) {
  const series = {
    node_bare: ['-e', '0'],
    cli_hook_shim: [cliPath, '__hook', 'pre-receive'],
    hook_client_module_only: ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(distDir, 'git', 'hook-client.js'))})`],
  };
  const times = Object.fromEntries(Object.keys(series).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [k, a] of Object.entries(series)) times[k].push((await run(process.execPath, a, { env: serverEnv, input: '' })).ms);
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summarize(v)]));
}

main('deploy', async () => {
  const title = 'Deploy: push → first 200 OK through the proxy (static site, Node app), minus plain push time';
  const cpuProfDir = opts.cpuProf ? profileDir('deploy') : undefined;
  const server = await SlipwayServer.start({ name: 'deploy', cpuProfDir });
  const skip = async (reason) => {
    await server.stop();
    return { status: 'skipped', reason, title, command: 'node bench/workloads/deploy.mjs',
      targets: [target('static site: deploy time (push → 200 minus plain push)', '≤ 1.5 s', null, null, `skipped: ${reason}`)] };
  };
  const probe = await probeGit(server);
  if (!probe.available) return skip(probe.reason);
  if (!server.httpPort) return skip('the server banner shows no proxy (http) port: deploys not wired in this build');

  const env = sshEnv(server.admin);
  const work = tempDir('deploy');
  const figures = {};
  let n = 0;
  for (const kind of Object.keys(APPS)) {
    const total = [];
    const pushOnly = [];
    const plain = [];
    for (let i = 0; i < RUNS; i++) {
      const marker = `bench-${kind}-${i}-${Date.now()}`;
      const repo = await makeAppRepo(path.join(work, `${kind}${i}`), APPS[kind](marker));
      // Plain push of the same repo: another app, a branch that does not deploy.
      const base = `plain-${kind}-${i}`;
      await server.createApp(base);
      const p = await push(repo, slipwayUrl(server, base), { branch: 'not-deployed', env });
      if (p.code !== 0) throw new Error(`plain push failed: ${p.stderr}`);
      plain.push(p.ms);

      const app = `${kind}-${i}-${n++}`;
      await server.createApp(app);
      const host = await hostFor(server, app);
      const stop = new AbortController();
      const t0 = nowMs();
      const ok = firstOk(server.httpPort, host, marker, stop.signal);
      const r = await push(repo, slipwayUrl(server, app), { branch: 'main', env });
      if (r.code !== 0) {
        stop.abort();
        await ok;
        if (/not available/i.test(r.stderr)) return skip(`deploys not available in this build: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
        throw new Error(`deploy push of ${kind} failed (exit ${r.code}): ${r.stderr.trim().slice(-1500)}`);
      }
      pushOnly.push(r.ms);
      const tOk = await ok;
      if (tOk === null) throw new Error(`${kind} app ${app} never answered 200 on Host ${host}`);
      total.push(tOk - t0);
      log(`${kind} #${i}: push ${Math.round(r.ms)} ms (plain ${Math.round(p.ms)} ms), first 200 at ${Math.round(tOk - t0)} ms`);
    }
    // Deploy time = median(push → first 200) − median(plain push): differences of medians are
    // steadier than per-run differences, which may even go negative when the build is quick.
    const totalS = summarize(total);
    const plainS = summarize(plain);
    figures[kind] = {
      push_to_first_200_ms: totalS,
      deploy_push_ms: summarize(pushOnly),
      plain_push_ms: plainS,
      deploy_time_ms: round(totalS.median - plainS.median, 1),
      deploy_time_per_run_ms: summarize(total.map((t, i) => t - plain[i])),
    };
  }
  const memory = server.memory();
  figures.pre_receive_hook_startup_ms = await hookStartup(server.env(), opts.quick ? 3 : 10);
  await server.stop();
  const s = figures.static.deploy_time_ms;
  return {
    status: 'ok',
    title,
    command: 'node bench/workloads/deploy.mjs',
    params: { runs: RUNS, scheduler: 'process', builder: 'native', note: 'each run deploys a new app (first deploy)' },
    figures: { ...figures, slipway_server_memory_after: memory },
    ratios: {},
    targets: [
      target('static site: deploy time (push → 200 minus plain push)', '≤ 1.5 s', round(s / 1000, 3), s <= 1500, `${s} ms (push → 200: ${figures.static.push_to_first_200_ms.median} ms, plain push ${figures.static.plain_push_ms.median} ms); Node app: ${figures.node.deploy_time_ms} ms (reported); pre-receive shim start-up ${figures.pre_receive_hook_startup_ms.cli_hook_shim.median} ms vs ${figures.pre_receive_hook_startup_ms.hook_client_module_only.median} ms for the hook client alone`),
    ],
    profiles: cpuProfDir ? summarizeProfiles(server.profiles()) : undefined,
  };
});
