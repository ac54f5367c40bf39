// Workload — proxy type nginx: requests/s and p99 through the nginx Slipway manages, serving the
// nginx.conf Slipway writes for an app (compiled src/proxy/nginx: renderSite, `nginx -t`, the
// managed master), against a plain hand-written nginx in front of the same upstream, in the same
// run (rounds interleaved, order rotated). The anchor is what an operator gets from Debian's
// nginx.conf plus a site: same worker count (Slipway says `worker_processes auto`), the same
// upstream `keepalive 64`, gzip on and a normal (unbuffered, `combined`) access log to a file.
// Also nginx CPU (master + workers) per request, steadier than requests/s on a shared machine.
//
// `--variants a,b` (diagnosis): adds series, each its own master, that differ from nginx mode (or
// from the anchor) in one respect, to measure what each difference costs; written to
// results/nginx-mode.experiment-variants.json, never to the main figures.
import os from 'node:os';
import { log, main, options, ratio, summarize, target } from '../lib/common.mjs';
import { cpuSeconds, startListening, startNginx, wrk } from '../lib/http-bench.mjs';
import { startNginxMode } from '../lib/nginx-mode.mjs';
import { ensureTool } from '../lib/tools.mjs';
import { get } from '../lib/http-get.mjs';

const opts = options();
const SECONDS = opts.duration(10, 3);
const ROUNDS = opts.runs(3, 1);
const THREADS = 2;
const CONNECTIONS = Number(opts.get('connections') ?? 64);
const VARIANT_NAMES = (opts.get('variants') ?? '').split(',').filter(Boolean);

const ANCHOR_HEADERS = ['Connection ""', 'Host $host', 'X-Forwarded-For $proxy_add_x_forwarded_for', 'X-Forwarded-Proto $scheme', 'X-Forwarded-Port $server_port', 'X-Request-Start $msec'];
/** Edits of the written app config (`app`) or main config (`main`), or an anchor variant (`plain`). */
const VARIANTS = {
  'log-off': { app: (t) => t.replace(/access_log [^;]+;/, 'access_log off;') },
  'log-unbuffered': { app: (t) => t.replace(/(access_log [^;]+?) buffer=\S+ flush=\S+;/, '$1;') },
  'log-file-cache': { app: (t) => t.replace(/( {2}access_log [^;]+;\n)/, '$1  open_log_file_cache max=1000 inactive=20s valid=1m min_uses=2;\n') },
  'no-error-log': { app: (t) => t.replace(/ {2}error_log [^;]+;\n/, '') },
  'no-gzip': { app: (t) => t.replace(/ {4}gzip[^;]*;\n/g, '') },
  'anchor-headers': { app: (t) => t.replace(/( {4}proxy_set_header [^;]+;\n)+/, ANCHOR_HEADERS.map((h) => `    proxy_set_header ${h};\n`).join('')) },
  'no-acme-location': { app: (t) => t.replace(/ {2}location \^~ \/\.well-known\/acme-challenge\/ \{[^}]*\}\n/, '') },
  'no-timeouts': { app: (t) => t.replace(/ {2,4}(proxy_)?(client_body|client_header|keepalive|lingering|send|connect|read)_timeout [^;]+;\n/g, '') },
  'proxy-buffering-off': { app: (t) => t.replace('proxy_buffering on;', 'proxy_buffering off;') },
  'keepalive-256': { app: (t) => t.replace(/keepalive \d+;/, 'keepalive 256;') },
  'no-sendfile': { main: (t) => t.replace('  sendfile on;\n  tcp_nopush on;\n', '') },
  'keepalive-requests-100000': { main: (t) => t.replace(/keepalive_requests \d+;/, 'keepalive_requests 100000;') },
  'plain-log-off': { plain: { debian: false } },
  'plain-log-buffered': { plain: { logBuffer: true } },
  'plain-shared-session': { plain: { ownSession: false } },
};

main('nginx-mode', async () => {
  const title = 'nginx mode (the config Slipway writes, its managed nginx) vs plain nginx, same upstream';
  const command = 'node bench/workloads/nginx-mode.mjs';
  const unknown = VARIANT_NAMES.filter((v) => !VARIANTS[v]);
  if (unknown.length) throw new Error(`unknown variant(s) ${unknown.join(', ')}; known: ${Object.keys(VARIANTS).join(', ')}`);
  const wrkTool = await ensureTool('wrk', 'wrk');
  const nginxTool = await ensureTool('nginx', 'nginx-light');
  if (!wrkTool.ok || !nginxTool.ok) return { status: 'skipped', title, command, reason: `absent: ${[wrkTool, nginxTool].filter((t) => !t.ok).map((t) => t.reason).join('; ')}` };
  const upstream = await startListening('upstream', 'upstream-server.mjs', {}, [], { ownSession: true });
  const workers = os.cpus().length;
  const plain = await startNginx(upstream.port, workers, { keepalive: 64, debian: true, ownSession: true });
  if (!plain.ok) return { status: 'skipped', title, command, reason: plain.reason };
  const app = { app: 'bench', hostnames: ['bench.test'], upstreamPort: upstream.port };
  const mode = await startNginxMode(nginxTool.path, [app]);
  const targets = { plain_nginx: { port: plain.port, pid: plain.proc.pid }, nginx_mode: { port: mode.httpPort, pid: mode.pid } };
  const masters = [mode];
  const confs = {};
  for (const name of VARIANT_NAMES) {
    const v = VARIANTS[name];
    if (v.plain) {
      const p = await startNginx(upstream.port, workers, { keepalive: 64, debian: true, ownSession: true, ...v.plain });
      if (!p.ok) throw new Error(`anchor variant ${name}: ${p.reason}`);
      targets[name] = { port: p.port, pid: p.proc.pid };
      confs[name] = p.conf;
      continue;
    }
    const m = await startNginxMode(nginxTool.path, [app]);
    masters.push(m);
    await m.rewrite('bench', v.app, v.main);
    targets[name] = { port: m.httpPort, pid: m.pid };
    confs[name] = v.main ? m.mainConf() : m.conf('bench');
  }
  try {
    const names = Object.keys(targets);
    for (const name of names) {
      const res = await get(targets[name].port, 'bench.test');
      if (res.status !== 200 || !res.body.includes('hello from the upstream')) throw new Error(`${name} answered ${res.status}: ${res.body.slice(0, 200)}`);
      await wrk(wrkTool.path, `http://127.0.0.1:${targets[name].port}/`, { threads: THREADS, connections: CONNECTIONS, seconds: Math.min(2, SECONDS) });
    }
    const runs = Object.fromEntries(names.map((n) => [n, []]));
    const loads = [];
    for (let r = 0; r < ROUNDS; r++) {
      loads.push(os.loadavg()[0]);
      for (const name of names.map((_, k) => names[(r + k) % names.length])) {
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
    const over = (name, key) => ratio(fig[name][key].median, fig.plain_nginx[key].median);
    const rps = over('nginx_mode', 'rps');
    const p99 = over('nginx_mode', 'p99_ms');
    const cpu = over('nginx_mode', 'nginx_cpu_us_per_request');
    const variantRows = VARIANT_NAMES.map((n) => target(`variant ${n}: requests/s, CPU per request vs plain nginx`, 'reported', over(n, 'rps'), null,
      `${Math.round(fig[n].rps.median)} req/s, p99 ${fig[n].p99_ms.median} ms, ${fig[n].nginx_cpu_us_per_request.median} µs (${over(n, 'nginx_cpu_us_per_request')}×)`));
    return {
      ...(VARIANT_NAMES.length ? { experiment_name: 'variants' } : {}),
      status: 'ok', title, command,
      params: { seconds: SECONDS, rounds: ROUNDS, runs: ROUNDS, threads: THREADS, connections: CONNECTIONS, nginx_workers: workers, order: 'rotated each round', variants: VARIANT_NAMES, loadavg_1min_per_round: loads.map((l) => Math.round(l * 100) / 100) },
      anchors: { nginx: { version: plain.version, conf: plain.conf }, wrk: wrkTool.path },
      nginx_mode_conf: mode.conf('bench'),
      nginx_mode_main_conf: mode.mainConf(),
      variant_confs: confs,
      figures: fig,
      ratios: { nginx_mode_over_plain_rps: rps, nginx_mode_over_plain_p99: p99, nginx_mode_over_plain_cpu_per_request: cpu },
      targets: [
        target('nginx mode requests/s vs plain nginx', '≥ 0.95×', rps, rps === null ? null : rps >= 0.95,
          `${Math.round(fig.nginx_mode.rps.median)} vs ${Math.round(fig.plain_nginx.rps.median)} req/s`),
        target('nginx mode p99 vs plain nginx', 'reported', p99, null, `${fig.nginx_mode.p99_ms.median} vs ${fig.plain_nginx.p99_ms.median} ms`),
        target('nginx mode CPU per request vs plain nginx', 'reported', cpu, null, `${fig.nginx_mode.nginx_cpu_us_per_request.median} vs ${fig.plain_nginx.nginx_cpu_us_per_request.median} µs (master + workers)`),
        ...variantRows,
      ],
    };
  } finally {
    for (const m of masters) await m.stop();
    log(`nginx mode masters stopped (pids ${masters.map((m) => m.pid).join(', ')})`);
  }
});
