// Workload 9 — HTTPS through the built-in proxy: requests/s and p99 over HTTPS vs plain HTTP
// (same ReverseProxy process, same node upstream, same run, wrk with keep-alive), and full TLS
// handshakes/s (no resumption) with the proxy's CPU per handshake. Certificate: RSA 2048, as
// certs:generate and letsencrypt:enable make.
import { log, main, options, ratio, round, summarize, target, tempDir } from '../lib/common.mjs';
import { cpuSeconds, startListening, wrk } from '../lib/http-bench.mjs';
import { ensureTool } from '../lib/tools.mjs';
import { get } from '../lib/http-get.mjs';
import { fullHandshakes, httpsGet, selfSignedCert } from '../lib/tls-bench.mjs';

const opts = options();
const SECONDS = opts.duration(10, 3);
const ROUNDS = opts.runs(3, 1);
const THREADS = 2;
const CONNECTIONS = Number(opts.get('connections') ?? 64);
const HANDSHAKE_CONCURRENCY = 8;

main('tls', async () => {
  const wrkTool = await ensureTool('wrk', 'wrk');
  if (!wrkTool.ok) return { status: 'skipped', reason: `load tool absent: ${wrkTool.reason}`, title: 'HTTPS through the built-in proxy' };
  const { cert, key, pem } = await selfSignedCert(tempDir('tls'));
  const upstream = await startListening('upstream', 'upstream-server.mjs');
  const proxy = await startListening('slipway-tls-proxy', 'tls-proxy-server.mjs', { UPSTREAM_PORT: String(upstream.port), TLS_CERT: cert, TLS_KEY: key });
  const httpsPort = Number(/https (\d+)/.exec(proxy.proc.output)[1]);

  const plain = await get(proxy.port, 'bench.test');
  const secure = await httpsGet(httpsPort, pem);
  for (const [name, r] of [['http', plain], ['https', secure]]) {
    if (r.status !== 200 || !r.body.includes('hello from the upstream')) throw new Error(`${name} answered ${r.status}: ${r.body.slice(0, 200)}`);
  }
  // wrk sends the URL's host as SNI: `localhost` (127.0.0.1 here) names the app with the certificate.
  const urls = { http: [`http://127.0.0.1:${proxy.port}/`, 'bench.test'], https: [`https://localhost:${httpsPort}/`, 'localhost'] };
  const names = Object.keys(urls);
  const load = (name, seconds) => wrk(wrkTool.path, urls[name][0], { threads: THREADS, connections: CONNECTIONS, seconds, host: urls[name][1] });
  for (const name of names) await load(name, Math.min(2, SECONDS));

  const runs = { http: [], https: [] };
  const shakes = [];
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    const order = round_ % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const cpu0 = cpuSeconds(proxy.proc.pid);
      const r = await load(name, SECONDS);
      r.proxy_cpu_ms_per_1k_requests = round(((cpuSeconds(proxy.proc.pid) - cpu0) * 1e6) / r.requests, 2);
      runs[name].push(r);
      log(`${name}: ${Math.round(r.rps)} req/s, p99 ${r.p99_ms} ms`);
    }
    const cpu0 = cpuSeconds(proxy.proc.pid);
    const h = await fullHandshakes(httpsPort, SECONDS, { concurrency: HANDSHAKE_CONCURRENCY });
    h.proxy_cpu_ms_per_handshake = round(((cpuSeconds(proxy.proc.pid) - cpu0) * 1000) / Math.max(1, h.handshakes), 3);
    shakes.push(h);
    log(`handshakes: ${Math.round(h.per_second)}/s (${h.protocol}), ${h.proxy_cpu_ms_per_handshake} ms proxy CPU each, ${h.failures} failed`);
  }

  const fig = Object.fromEntries(names.map((n) => [n, {
    rps: summarize(runs[n].map((r) => r.rps)),
    p99_ms: summarize(runs[n].map((r) => r.p99_ms)),
    p50_ms: summarize(runs[n].map((r) => r.p50_ms)),
    proxy_cpu_ms_per_1k_requests: summarize(runs[n].map((r) => r.proxy_cpu_ms_per_1k_requests)),
    errors: runs[n].reduce((s, r) => s + r.non2xx, 0),
    runs: runs[n],
  }]));
  fig.handshakes = {
    per_second: summarize(shakes.map((h) => h.per_second)),
    proxy_cpu_ms_per_handshake: summarize(shakes.map((h) => h.proxy_cpu_ms_per_handshake)),
    failures: shakes.reduce((s, h) => s + h.failures, 0),
    protocol: shakes[0]?.protocol,
    runs: shakes,
  };
  const rpsRatio = ratio(fig.https.rps.median, fig.http.rps.median);
  const p99Ratio = ratio(fig.https.p99_ms.median, fig.http.p99_ms.median);
  return {
    status: 'ok',
    title: 'HTTPS vs HTTP through the built-in proxy (wrk, same upstream, same run) and TLS handshakes/s',
    command: 'node bench/workloads/tls.mjs',
    params: { seconds: SECONDS, rounds: ROUNDS, threads: THREADS, connections: CONNECTIONS, handshake_concurrency: HANDSHAKE_CONCURRENCY, certificate: 'RSA 2048 self-signed', order: 'alternated each round' },
    anchors: { wrk: wrkTool.path },
    figures: fig,
    ratios: { https_over_http_rps: rpsRatio, https_over_http_p99: p99Ratio },
    targets: [
      target('HTTPS requests/s vs HTTP (keep-alive)', 'reported', rpsRatio, null, `${Math.round(fig.https.rps.median)} vs ${Math.round(fig.http.rps.median)} req/s`),
      target('HTTPS p99 vs HTTP', 'reported', p99Ratio, null, `${fig.https.p99_ms.median} vs ${fig.http.p99_ms.median} ms`),
      target('full TLS handshakes/s', 'reported', round(fig.handshakes.per_second.median, 0), null,
        `${fig.handshakes.proxy_cpu_ms_per_handshake.median} ms proxy CPU each, ${fig.handshakes.protocol}, ${HANDSHAKE_CONCURRENCY} client loops`),
    ],
  };
});
