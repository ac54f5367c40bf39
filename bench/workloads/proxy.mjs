// Workload 6 — HTTP proxy throughput and tail latency: Slipway's ReverseProxy (compiled, in its
// own process) vs Debian's nginx with upstream keep-alive, both in front of the same node
// upstream, loaded by wrk for a fixed duration. The upstream alone is the ceiling; a minimal Node
// proxy shows what Node's own HTTP stack costs.
import { log, main, options, ratio, round, summarize, target } from '../lib/common.mjs';
import { cpuSeconds, startListening, startNginx, wrk } from '../lib/http-bench.mjs';
import { ensureTool } from '../lib/tools.mjs';
import { profileDir, summarizeProfiles } from '../lib/profile.mjs';
import fs from 'node:fs';
import { get } from '../lib/http-get.mjs';
import path from 'node:path';

const opts = options();
const SECONDS = opts.duration(10, 3);
const ROUNDS = opts.runs(3, 1);
const THREADS = 2;
const CONNECTIONS = Number(opts.get('connections') ?? 64);
// Experiment: Slipway's proxy in N processes (node:cluster); results go to proxy.experiment-workers-N.json.
const PROXY_WORKERS = Number(opts.get('proxy-workers') ?? 1);

main('proxy', async () => {
  const wrkTool = await ensureTool('wrk', 'wrk');
  if (!wrkTool.ok) return { status: 'skipped', reason: `load tool absent: ${wrkTool.reason}`, title: 'Proxy throughput' };
  const upstream = await startListening('upstream', 'upstream-server.mjs');
  const cpuProfDir = opts.cpuProf ? profileDir('proxy') : undefined;
  if (cpuProfDir) fs.mkdirSync(cpuProfDir, { recursive: true });
  const slipway = await startListening('slipway-proxy', 'proxy-server.mjs', { UPSTREAM_PORT: String(upstream.port), PROXY_WORKERS: String(PROXY_WORKERS) },
    cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []);
  const minimal = await startListening('node-minimal-proxy', 'node-min-proxy.mjs', { UPSTREAM_PORT: String(upstream.port) });
  const nginx = await startNginx(upstream.port);
  if (!nginx.ok) log(`nginx anchor absent: ${nginx.reason}`);

  const targets = {
    upstream_direct: { port: upstream.port, pid: upstream.proc.pid, children: false },
    slipway: { port: slipway.port, pid: slipway.proc.pid, children: PROXY_WORKERS > 1 },
    node_minimal_proxy: { port: minimal.port, pid: minimal.proc.pid, children: false },
    ...(nginx.ok ? { nginx: { port: nginx.port, pid: nginx.proc.pid, children: true } } : {}),
  };
  const names = Object.keys(targets);
  const load = (name, seconds) => wrk(wrkTool.path, `http://127.0.0.1:${targets[name].port}/`, { threads: THREADS, connections: CONNECTIONS, seconds });
  // Sanity: each answers 200 with the upstream's body.
  for (const name of names) {
    const res = await get(targets[name].port, 'bench.test');
    const text = res.body;
    if (res.status !== 200 || !text.includes('hello from the upstream')) throw new Error(`${name} answered ${res.status}: ${text.slice(0, 200)}`);
  }
  for (const name of names) await load(name, Math.min(2, SECONDS)); // warm-up (JIT, keep-alive pools)

  const runs = Object.fromEntries(names.map((n) => [n, []]));
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    const order = names.map((_, k) => names[(round_ + k) % names.length]);
    for (const name of order) {
      const t = targets[name];
      const cpu0 = cpuSeconds(t.pid, t.children);
      const r = await load(name, SECONDS);
      const cpu = cpuSeconds(t.pid, t.children) - cpu0;
      r.proxy_cpu_ms_per_1k_requests = name === 'upstream_direct' ? null : round((cpu * 1000 * 1000) / r.requests, 2);
      runs[name].push(r);
      log(`${name}: ${Math.round(r.rps)} req/s, p99 ${r.p99_ms} ms`);
    }
  }
  const profiles = [];
  await slipway.stop();
  if (cpuProfDir) profiles.push(...fs.readdirSync(cpuProfDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(cpuProfDir, f)));

  const fig = Object.fromEntries(names.map((n) => [n, {
    rps: summarize(runs[n].map((r) => r.rps)),
    p99_ms: summarize(runs[n].map((r) => r.p99_ms)),
    p50_ms: summarize(runs[n].map((r) => r.p50_ms)),
    proxy_cpu_ms_per_1k_requests: n === 'upstream_direct' ? null : summarize(runs[n].map((r) => r.proxy_cpu_ms_per_1k_requests)),
    errors: runs[n].reduce((s, r) => s + r.non2xx, 0),
    runs: runs[n],
  }]));
  const rpsRatio = nginx.ok ? ratio(fig.slipway.rps.median, fig.nginx.rps.median) : null;
  const p99Ratio = nginx.ok ? ratio(fig.slipway.p99_ms.median, fig.nginx.p99_ms.median) : null;
  const absent = nginx.ok ? '' : `nginx absent: ${nginx.reason}`;
  return {
    ...(PROXY_WORKERS > 1 ? { experiment_name: `workers-${PROXY_WORKERS}` } : {}),
    status: 'ok',
    title: 'Proxy throughput and p99 (wrk through Slipway ReverseProxy vs nginx, same upstream)',
    command: 'node bench/workloads/proxy.mjs',
    params: { proxy_workers: PROXY_WORKERS, seconds: SECONDS, rounds: ROUNDS, threads: THREADS, connections: CONNECTIONS, nginx_workers: nginx.ok ? nginx.workers : null, order: 'rotated each round' },
    anchors: { nginx: nginx.ok ? { present: true, version: nginx.version } : { present: false, reason: nginx.reason }, wrk: wrkTool.path },
    figures: fig,
    ratios: {
      slipway_over_nginx_rps: rpsRatio,
      slipway_over_nginx_p99: p99Ratio,
      slipway_over_direct_rps: ratio(fig.slipway.rps.median, fig.upstream_direct.rps.median),
      slipway_over_node_minimal_proxy_rps: ratio(fig.slipway.rps.median, fig.node_minimal_proxy.rps.median),
      nginx_over_direct_rps: nginx.ok ? ratio(fig.nginx.rps.median, fig.upstream_direct.rps.median) : null,
      slipway_over_nginx_cpu_per_request: nginx.ok ? ratio(fig.slipway.proxy_cpu_ms_per_1k_requests.median, fig.nginx.proxy_cpu_ms_per_1k_requests.median) : null,
    },
    targets: [
      target('requests/s vs nginx', '≥ 0.6×', rpsRatio, rpsRatio === null ? null : rpsRatio >= 0.6,
        absent || `${Math.round(fig.slipway.rps.median)} vs ${Math.round(fig.nginx.rps.median)} req/s`),
      target('p99 latency vs nginx', '≤ 2×', p99Ratio, p99Ratio === null ? null : p99Ratio <= 2,
        absent || `${fig.slipway.p99_ms.median} vs ${fig.nginx.p99_ms.median} ms`),
    ],
    profiles: cpuProfDir ? summarizeProfiles(profiles) : undefined,
  };
});
