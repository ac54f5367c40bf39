// Workload — the proxies side by side (issue 14): requests/s and p99 through plain nginx (the
// anchor), Slipway's nginx mode (HTTP and HTTPS), and Slipway's built-in proxy (HTTP and HTTPS),
// all in front of the same node upstream, in one run: every round loads each series once (order
// rotated), then measures full TLS handshakes/s against the built-in proxy and nginx mode.
// The anchor is lib/http-bench.mjs's Debian-style nginx (same worker count as nginx mode, the same
// upstream `keepalive 64`, gzip on, an unbuffered `combined` access log); nginx mode is the config
// Slipway writes, served by the nginx it manages (lib/nginx-mode.mjs); the built-in proxy is one
// ReverseProxy process with an HTTP app and an HTTPS app (lib/tls-proxy-server.mjs), as the server runs it.
import os from 'node:os';
import { log, main, options, ratio, round, summarize, target, tempDir } from '../lib/common.mjs';
import { cpuSeconds, startListening, startNginx, wrk } from '../lib/http-bench.mjs';
import { startNginxMode } from '../lib/nginx-mode.mjs';
import { fullHandshakes, httpsGet, selfSignedCert } from '../lib/tls-bench.mjs';
import { ensureTool } from '../lib/tools.mjs';
import { get } from '../lib/http-get.mjs';

const opts = options();
const SECONDS = opts.duration(10, 3);
const ROUNDS = opts.runs(3, 1);
const THREADS = 2;
const CONNECTIONS = Number(opts.get('connections') ?? 64);
const HANDSHAKE_CONCURRENCY = 8;

main('proxies', async () => {
  const title = 'plain nginx vs nginx mode vs the built-in proxy (HTTP and HTTPS), same upstream, one run; TLS handshakes/s';
  const command = 'node bench/workloads/proxies.mjs';
  const wrkTool = await ensureTool('wrk', 'wrk');
  const nginxTool = await ensureTool('nginx', 'nginx-light');
  if (!wrkTool.ok || !nginxTool.ok) return { status: 'skipped', title, command, reason: `absent: ${[wrkTool, nginxTool].filter((t) => !t.ok).map((t) => t.reason).join('; ')}` };
  const tls = await selfSignedCert(tempDir('proxies'));
  const upstream = await startListening('upstream', 'upstream-server.mjs', {}, [], { ownSession: true });
  const workers = os.cpus().length;
  const plain = await startNginx(upstream.port, workers, { keepalive: 64, debian: true, ownSession: true });
  if (!plain.ok) return { status: 'skipped', title, command, reason: plain.reason };
  const mode = await startNginxMode(nginxTool.path, [
    { app: 'bench', hostnames: ['bench.test'], upstreamPort: upstream.port },
    { app: 'secure', hostnames: ['localhost'], upstreamPort: upstream.port, tls },
  ]);
  try {
    const builtin = await startListening('slipway-proxy', 'tls-proxy-server.mjs', { UPSTREAM_PORT: String(upstream.port), TLS_CERT: tls.cert, TLS_KEY: tls.key }, [], { ownSession: true });
    const builtinHttps = Number(/https (\d+)/.exec(builtin.proc.output)[1]);
    const nginxPid = () => mode.pid;
    // wrk sends the URL's host as SNI: `localhost` (127.0.0.1 here) names the app with the certificate.
    const series = {
      plain_nginx: { url: `http://127.0.0.1:${plain.port}/`, host: 'bench.test', pid: () => plain.proc.pid, children: true },
      nginx_mode: { url: `http://127.0.0.1:${mode.httpPort}/`, host: 'bench.test', pid: nginxPid, children: true },
      nginx_mode_https: { url: `https://localhost:${mode.httpsPort}/`, host: 'localhost', pid: nginxPid, children: true },
      builtin_http: { url: `http://127.0.0.1:${builtin.port}/`, host: 'bench.test', pid: () => builtin.proc.pid, children: false },
      builtin_https: { url: `https://localhost:${builtinHttps}/`, host: 'localhost', pid: () => builtin.proc.pid, children: false },
    };
    const handshakeTargets = { builtin: { port: builtinHttps, pid: () => builtin.proc.pid, children: false }, nginx_mode: { port: mode.httpsPort, pid: nginxPid, children: true } };
    const names = Object.keys(series);
    const load = (name, seconds) => wrk(wrkTool.path, series[name].url, { threads: THREADS, connections: CONNECTIONS, seconds, host: series[name].host });

    // Each answers with the upstream's body.
    for (const [name, r] of [
      ['plain_nginx', await get(plain.port, 'bench.test')], ['nginx_mode', await get(mode.httpPort, 'bench.test')],
      ['nginx_mode_https', await httpsGet(mode.httpsPort, tls.pem)], ['builtin_http', await get(builtin.port, 'bench.test')],
      ['builtin_https', await httpsGet(builtinHttps, tls.pem)],
    ]) {
      if (r.status !== 200 || !r.body.includes('hello from the upstream')) throw new Error(`${name} answered ${r.status}: ${r.body.slice(0, 200)}`);
    }
    for (const name of names) await load(name, Math.min(2, SECONDS)); // warm-up (JIT, keep-alive pools)

    const runs = Object.fromEntries(names.map((n) => [n, []]));
    const shakes = Object.fromEntries(Object.keys(handshakeTargets).map((n) => [n, []]));
    const loads = [];
    for (let r = 0; r < ROUNDS; r++) {
      loads.push(round(os.loadavg()[0]));
      for (const name of names.map((_, k) => names[(r + k) % names.length])) {
        const s = series[name];
        const cpu0 = cpuSeconds(s.pid(), s.children);
        const result = await load(name, SECONDS);
        result.proxy_cpu_us_per_request = round(((cpuSeconds(s.pid(), s.children) - cpu0) * 1e6) / result.requests, 1);
        runs[name].push(result);
        log(`${name}: ${Math.round(result.rps)} req/s, p99 ${result.p99_ms} ms, ${result.proxy_cpu_us_per_request} µs proxy CPU/request`);
      }
      const order = Object.keys(handshakeTargets);
      for (const name of r % 2 === 0 ? order : [...order].reverse()) {
        const h = handshakeTargets[name];
        const cpu0 = cpuSeconds(h.pid(), h.children);
        const result = await fullHandshakes(h.port, SECONDS, { concurrency: HANDSHAKE_CONCURRENCY });
        result.proxy_cpu_ms_per_handshake = round(((cpuSeconds(h.pid(), h.children) - cpu0) * 1000) / Math.max(1, result.handshakes), 3);
        shakes[name].push(result);
        log(`${name} handshakes: ${Math.round(result.per_second)}/s (${result.protocol}), ${result.proxy_cpu_ms_per_handshake} ms proxy CPU each, ${result.failures} failed`);
      }
    }

    const fig = Object.fromEntries(names.map((n) => [n, {
      rps: summarize(runs[n].map((x) => x.rps)),
      p99_ms: summarize(runs[n].map((x) => x.p99_ms)),
      p50_ms: summarize(runs[n].map((x) => x.p50_ms)),
      proxy_cpu_us_per_request: summarize(runs[n].map((x) => x.proxy_cpu_us_per_request)),
      errors: runs[n].reduce((s, x) => s + x.non2xx, 0),
      runs: runs[n],
    }]));
    fig.handshakes = Object.fromEntries(Object.keys(shakes).map((n) => [n, {
      per_second: summarize(shakes[n].map((h) => h.per_second)),
      proxy_cpu_ms_per_handshake: summarize(shakes[n].map((h) => h.proxy_cpu_ms_per_handshake)),
      failures: shakes[n].reduce((s, h) => s + h.failures, 0),
      protocol: shakes[n][0]?.protocol,
      runs: shakes[n],
    }]));
    const anchor = fig.plain_nginx;
    const rps = (n) => ratio(fig[n].rps.median, anchor.rps.median);
    const p99 = (n) => ratio(fig[n].p99_ms.median, anchor.p99_ms.median);
    const cpu = (n) => ratio(fig[n].proxy_cpu_us_per_request.median, anchor.proxy_cpu_us_per_request.median);
    const ratios = Object.fromEntries(names.filter((n) => n !== 'plain_nginx').flatMap((n) => [[`${n}_over_plain_rps`, rps(n)], [`${n}_over_plain_p99`, p99(n)], [`${n}_over_plain_cpu_per_request`, cpu(n)]]));
    ratios.builtin_over_nginx_mode_handshakes = ratio(fig.handshakes.builtin.per_second.median, fig.handshakes.nginx_mode.per_second.median);
    const note = (n) => `${Math.round(fig[n].rps.median)} vs ${Math.round(anchor.rps.median)} req/s; p99 ${fig[n].p99_ms.median} vs ${anchor.p99_ms.median} ms (${p99(n)}×); CPU ${fig[n].proxy_cpu_us_per_request.median} vs ${anchor.proxy_cpu_us_per_request.median} µs/request`;
    const hs = (n) => fig.handshakes[n];
    return {
      status: 'ok', title, command,
      params: {
        seconds: SECONDS, rounds: ROUNDS, runs: ROUNDS, threads: THREADS, connections: CONNECTIONS, nginx_workers: workers, builtin_processes: 1,
        handshake_concurrency: HANDSHAKE_CONCURRENCY, certificate: 'RSA 2048 self-signed', order: 'rotated each round',
        loadavg_1min_per_round: loads,
      },
      anchors: { nginx: { version: plain.version, conf: plain.conf }, wrk: wrkTool.path },
      nginx_mode_conf: mode.conf('bench'),
      nginx_mode_https_conf: mode.conf('secure'),
      figures: fig,
      ratios,
      targets: [
        target('nginx mode requests/s vs plain nginx', '≥ 0.95×', rps('nginx_mode'), rps('nginx_mode') === null ? null : rps('nginx_mode') >= 0.95, note('nginx_mode')),
        target('built-in HTTP requests/s vs plain nginx', '≥ 0.6×', rps('builtin_http'), rps('builtin_http') === null ? null : rps('builtin_http') >= 0.6, note('builtin_http')),
        target('built-in HTTPS requests/s vs plain nginx (HTTP)', 'reported', rps('builtin_https'), null, note('builtin_https')),
        target('nginx mode HTTPS requests/s vs plain nginx (HTTP)', 'reported', rps('nginx_mode_https'), null,
          `${note('nginx_mode_https')}; built-in HTTPS / nginx mode HTTPS: ${ratio(fig.builtin_https.rps.median, fig.nginx_mode_https.rps.median)}×`),
        target('full TLS handshakes/s, built-in vs nginx mode', 'reported', ratios.builtin_over_nginx_mode_handshakes, null,
          `${Math.round(hs('builtin').per_second.median)} vs ${Math.round(hs('nginx_mode').per_second.median)}/s (${hs('builtin').protocol}, ${HANDSHAKE_CONCURRENCY} client loops); proxy CPU ${hs('builtin').proxy_cpu_ms_per_handshake.median} vs ${hs('nginx_mode').proxy_cpu_ms_per_handshake.median} ms each`),
      ],
    };
  } finally {
    await mode.stop();
    log(`nginx mode stopped (pid ${mode.pid})`);
  }
});
