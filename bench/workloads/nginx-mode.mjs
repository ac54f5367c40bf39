// Workload — proxy type nginx: requests/s and p99 through the nginx Slipway manages, serving the
// nginx.conf Slipway writes for an app (compiled src/proxy/nginx: renderSite, `nginx -t`, the
// managed master), against a plain hand-written nginx in front of the same upstream, in the same
// run (rounds interleaved, order rotated). Both nginx get the same worker count (Slipway's managed
// config says `worker_processes auto`). A third series is nginx mode with the access log off
// (`nginx:set APP access-log-path off`), since the plain anchor logs nothing; each nginx mode
// series has its own managed master, so no reload happens between measurements.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir, freePort, log, main, options, ratio, summarize, target, tempDir } from '../lib/common.mjs';
import { cpuSeconds, startListening, startNginx, wrk } from '../lib/http-bench.mjs';
import { ensureTool } from '../lib/tools.mjs';
import { get } from '../lib/http-get.mjs';

const opts = options();
const SECONDS = opts.duration(10, 3);
const ROUNDS = opts.runs(3, 1);
const THREADS = 2;
const CONNECTIONS = Number(opts.get('connections') ?? 64);
const importDist = (file) => import(pathToFileURL(path.join(distDir, file)).href);

/** Slipway's nginx mode (its own managed master and prefix) for one app `bench` (Host bench.test) → the upstream. */
async function startNginxMode(upstreamPort, nginxPath, own) {
  const { NginxProxy, NginxServer, computeValues } = await importDist('proxy/nginx/index.js');
  const { Layout } = await importDist('store/layout.js');
  const { NginxFiles } = await importDist('store/nginx-files.js');
  const dir = tempDir('nginx-mode');
  const files = new NginxFiles(new Layout({ dokkuRoot: path.join(dir, 'home'), libRoot: path.join(dir, 'lib') }));
  const port = await freePort();
  const server = new NginxServer({
    mode: 'managed', bin: nginxPath,
    httpListen: { host: '127.0.0.1', port }, httpsListen: { host: '127.0.0.1', port: await freePort() },
    systemInclude: '', systemPidFile: '',
  }, files);
  const proxy = new NginxProxy(server, files);
  await proxy.apply('bench', async () => ({
    app: 'bench', hostnames: ['bench.test'], maps: [{ scheme: 'http', hostPort: 80, containerPort: 5000 }],
    target: { kind: 'upstreams', upstreams: [{ host: '127.0.0.1', port: upstreamPort }] },
    includeDir: files.includeDir('bench'), acmeDir: files.acmeDir('bench'),
    values: computeValues(own, new Map(), 'bench', server.logsDir()),
  }));
  return { port, pid: await server.masterPid(), conf: fs.readFileSync(files.appConfig('bench'), 'utf8'), stop: () => proxy.stop() };
}

main('nginx-mode', async () => {
  const title = 'nginx mode (the config Slipway writes, its managed nginx) vs plain nginx, same upstream';
  const command = 'node bench/workloads/nginx-mode.mjs';
  const wrkTool = await ensureTool('wrk', 'wrk');
  const nginxTool = await ensureTool('nginx', 'nginx-light');
  if (!wrkTool.ok || !nginxTool.ok) return { status: 'skipped', title, command, reason: `absent: ${[wrkTool, nginxTool].filter((t) => !t.ok).map((t) => t.reason).join('; ')}` };
  const upstream = await startListening('upstream', 'upstream-server.mjs');
  const workers = os.cpus().length;
  const plain = await startNginx(upstream.port, workers);
  if (!plain.ok) return { status: 'skipped', title, command, reason: plain.reason };
  const mode = await startNginxMode(upstream.port, nginxTool.path, new Map());
  const quiet = await startNginxMode(upstream.port, nginxTool.path, new Map([['access-log-path', 'off']]));
  try {
    const targets = {
      plain_nginx: { port: plain.port, pid: plain.proc.pid },
      nginx_mode: { port: mode.port, pid: mode.pid },
      nginx_mode_no_access_log: { port: quiet.port, pid: quiet.pid },
    };
    const names = Object.keys(targets);
    for (const name of names) {
      const res = await get(targets[name].port, 'bench.test');
      if (res.status !== 200 || !res.body.includes('hello from the upstream')) throw new Error(`${name} answered ${res.status}: ${res.body.slice(0, 200)}`);
      await wrk(wrkTool.path, `http://127.0.0.1:${targets[name].port}/`, { threads: THREADS, connections: CONNECTIONS, seconds: Math.min(2, SECONDS) });
    }
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of names.map((_, k) => names[(r + k) % names.length])) {
        // CPU of the nginx master and its workers per request: steadier than req/s on a loaded machine.
        const cpu0 = cpuSeconds(targets[name].pid, true);
        const result = await wrk(wrkTool.path, `http://127.0.0.1:${targets[name].port}/`, { threads: THREADS, connections: CONNECTIONS, seconds: SECONDS });
        result.nginx_cpu_us_per_request = Math.round(((cpuSeconds(targets[name].pid, true) - cpu0) * 1e6) / result.requests * 10) / 10;
        runs[name].push(result);
        log(`${name}: ${Math.round(result.rps)} req/s, p99 ${result.p99_ms} ms, nginx CPU ${result.nginx_cpu_us_per_request} µs/request`);
      }
    }
    const fig = Object.fromEntries(names.map((n) => [n, {
      rps: summarize(runs[n].map((x) => x.rps)),
      p99_ms: summarize(runs[n].map((x) => x.p99_ms)),
      p50_ms: summarize(runs[n].map((x) => x.p50_ms)),
      nginx_cpu_us_per_request: summarize(runs[n].map((x) => x.nginx_cpu_us_per_request)),
      errors: runs[n].reduce((s, x) => s + x.non2xx, 0),
      runs: runs[n],
    }]));
    const rps = ratio(fig.nginx_mode.rps.median, fig.plain_nginx.rps.median);
    const p99 = ratio(fig.nginx_mode.p99_ms.median, fig.plain_nginx.p99_ms.median);
    const rpsNoLog = ratio(fig.nginx_mode_no_access_log.rps.median, fig.plain_nginx.rps.median);
    const cpu = ratio(fig.nginx_mode.nginx_cpu_us_per_request.median, fig.plain_nginx.nginx_cpu_us_per_request.median);
    return {
      status: 'ok', title, command,
      params: { seconds: SECONDS, rounds: ROUNDS, threads: THREADS, connections: CONNECTIONS, nginx_workers: workers, order: 'rotated each round' },
      anchors: { nginx: { version: plain.version }, wrk: wrkTool.path },
      nginx_mode_conf: mode.conf,
      figures: fig,
      ratios: { nginx_mode_over_plain_rps: rps, nginx_mode_over_plain_p99: p99, nginx_mode_no_access_log_over_plain_rps: rpsNoLog, nginx_mode_over_plain_cpu_per_request: cpu },
      targets: [
        target('nginx mode requests/s vs plain nginx', '≥ 0.95×', rps, rps === null ? null : rps >= 0.95,
          `${Math.round(fig.nginx_mode.rps.median)} vs ${Math.round(fig.plain_nginx.rps.median)} req/s; access log off: ${Math.round(fig.nginx_mode_no_access_log.rps.median)} (${rpsNoLog}×)`),
        target('nginx mode p99 vs plain nginx', 'reported', p99, null, `${fig.nginx_mode.p99_ms.median} vs ${fig.plain_nginx.p99_ms.median} ms; access log off: ${fig.nginx_mode_no_access_log.p99_ms.median} ms`),
        target('nginx mode CPU per request vs plain nginx', 'reported', cpu, null, `${fig.nginx_mode.nginx_cpu_us_per_request.median} vs ${fig.plain_nginx.nginx_cpu_us_per_request.median} µs (master + workers)`),
      ],
    };
  } finally {
    await mode.stop();
    await quiet.stop();
    log(`nginx mode stopped (pids ${mode.pid}, ${quiet.pid})`);
  }
});
