// Workload 10 — the web dashboard: server RSS idle with the dashboard on vs off, and the cost of
// 20 open live deploy-log pages during a deploy (10 that read, 10 raw sockets that never read):
// push time, the server process's own CPU per push and its peak RSS, against the same push with no
// page open; and the server's CPU while those pages wait with no deploy running.
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { cpuOf, log, main, memoryOf, nowMs, options, round, rssSampler, sleep, target } from '../lib/common.mjs';
import { SlipwayServer } from '../lib/slipway.mjs';
import { git, makeAppRepo, push, slipwayUrl, sshEnv } from '../lib/git.mjs';

const opts = options();
const PAGES = Number(opts.get('sessions') ?? 20);
/** Timed pushes per series (without pages, with pages). */
const RUNS = opts.runs(2, 1);
/** How long the server's CPU is watched while the pages wait for a deploy. */
const IDLE_WATCH_MS = 3000;

const APP = {
  Procfile: 'web: node server.js\n',
  'server.js': "require('http').createServer((q, s) => s.end(require('fs').readFileSync('v.txt', 'utf8'))).listen(process.env.PORT, '127.0.0.1');\n",
  'v.txt': 'v1\n',
};

async function idleRss(env) {
  const server = await SlipwayServer.start({ name: 'dashboard-idle', env });
  await sleep(3000);
  const m = memoryOf(server.pid);
  await server.stop();
  return m;
}

/** A session cookie from a real `ssh dashboard:login`. */
async function logIn(server, base) {
  const r = await server.ssh(['dashboard:login']);
  const url = new URL(r.stdout.split('\n').find((l) => l.startsWith('http')));
  const res = await fetch(new URL('/login', base), { method: 'POST', body: new URLSearchParams({ token: url.searchParams.get('token') }), redirect: 'manual' });
  return (res.headers.get('set-cookie') ?? '').split(';')[0];
}

/** A page that reads its stream (counts bytes). */
async function readingPage(base, cookie, counter) {
  const res = await fetch(new URL('/apps/web/live/deploy', base), { headers: { cookie } });
  const reader = res.body.getReader();
  (async () => { for (;;) { const { value, done } = await reader.read().catch(() => ({ done: true })); if (done) break; counter.bytes += value.length; } })();
  return () => reader.cancel().catch(() => undefined);
}

/** A page that never reads: a raw socket with the smallest receive buffer, paused. */
function stalledPage(base, cookie) {
  const url = new URL(base);
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  socket.on('error', () => undefined);
  socket.write(`GET /apps/web/live/deploy HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${cookie}\r\n\r\n`);
  socket.pause();
  return () => socket.destroy();
}

/** One push: its wall time (s) and the CPU the server process itself used meanwhile (ms; builds run in children). */
async function timedPush(repo, server, version) {
  fs.writeFileSync(path.join(repo, 'v.txt'), `${version}\n`);
  await git(['-C', repo, 'commit', '-qam', version]);
  const cpu = cpuOf(server.pid).self;
  const start = nowMs();
  const r = await push(repo, slipwayUrl(server, 'web'), { env: sshEnv(server.admin) });
  if (r.code !== 0) throw new Error(`push ${version} failed: ${r.stderr}`);
  return { seconds: round((nowMs() - start) / 1000, 2), cpuMs: round((cpuOf(server.pid).self - cpu) * 1000, 0) };
}

async function timedPushes(repo, server, from) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timedPush(repo, server, `v${from + i}`));
  return { seconds: runs.map((r) => r.seconds), cpuMs: runs.map((r) => r.cpuMs) };
}

/** The server process's CPU (ms per second) over IDLE_WATCH_MS with nothing deploying. */
async function idleCpu(server) {
  const cpu = cpuOf(server.pid).self;
  const start = nowMs();
  await sleep(IDLE_WATCH_MS);
  return round(((cpuOf(server.pid).self - cpu) * 1000) / ((nowMs() - start) / 1000), 1);
}

main('dashboard', async () => {
  const off = await idleRss({ SLIPWAY_DASHBOARD_LISTEN: '' });
  const on = await idleRss({});
  log(`idle rss: dashboard off ${off.rssMB} MB, on ${on.rssMB} MB`);

  const server = await SlipwayServer.start({ name: 'dashboard' });
  const base = /dashboard: (http:\/\/[\d.]+:\d+)/.exec(server.banner)[1];
  await server.createApp('web');
  const repo = await makeAppRepo(path.join(server.dir, 'repo'), APP);
  await git(['-C', repo, 'branch', '-M', 'main']);
  const first = await push(repo, slipwayUrl(server, 'web'), { env: sshEnv(server.admin) });
  if (first.code !== 0) throw new Error(`first push failed: ${first.stderr}`);
  const baseline = await timedPushes(repo, server, 2);
  const baselineRss = memoryOf(server.pid);
  const idleCpuNoPages = await idleCpu(server);

  const cookie = await logIn(server, base);
  const counter = { bytes: 0 };
  const closers = [];
  for (let i = 0; i < PAGES; i++) closers.push(i % 2 === 0 ? await readingPage(base, cookie, counter) : stalledPage(base, cookie));
  await sleep(1500);
  const withPagesIdle = memoryOf(server.pid);
  const idleCpuWithPages = await idleCpu(server);
  const sampler = rssSampler(server.pid);
  const withPages = await timedPushes(repo, server, 2 + RUNS);
  const peak = sampler.stop();
  await sleep(1000);
  for (const close of closers) close();
  await server.stop();

  const mean = (xs) => round(xs.reduce((a, b) => a + b, 0) / xs.length, 2);
  const slowdown = round(mean(withPages.seconds) / mean(baseline.seconds), 2);
  const cpuRatio = round(mean(withPages.cpuMs) / mean(baseline.cpuMs), 2);
  return {
    status: 'ok',
    title: `Dashboard: idle memory, and ${PAGES} open live deploy-log pages during a deploy`,
    command: 'node bench/workloads/dashboard.mjs',
    params: { pages: PAGES, reading: Math.ceil(PAGES / 2), stalled: Math.floor(PAGES / 2), pushes_per_series: RUNS, app: 'Procfile node app, process scheduler' },
    figures: {
      idle_rss_dashboard_off: off,
      idle_rss_dashboard_on: on,
      push_seconds_no_pages: baseline.seconds,
      push_seconds_with_pages: withPages.seconds,
      server_cpu_ms_per_push_no_pages: baseline.cpuMs,
      server_cpu_ms_per_push_with_pages: withPages.cpuMs,
      server_cpu_ms_per_s_idle_no_pages: idleCpuNoPages,
      server_cpu_ms_per_s_idle_with_pages: idleCpuWithPages,
      rss_before_pages: baselineRss,
      rss_with_pages_open: withPagesIdle,
      rss_peak_during_deploys_with_pages_mb: peak,
      bytes_read_by_reading_pages: counter.bytes,
    },
    ratios: { push_time_with_pages_over_without: slowdown, server_cpu_per_push_with_pages_over_without: cpuRatio },
    targets: [
      target('idle RSS cost of the dashboard', '≤ 10 MB', round(on.rssMB - off.rssMB, 1), on.rssMB - off.rssMB <= 10, `off ${off.rssMB} MB, on ${on.rssMB} MB`),
      target(`push time with ${PAGES} live pages (half stalled)`, '≤ 1.25× without', slowdown, slowdown <= 1.25, `${mean(withPages.seconds)} s vs ${mean(baseline.seconds)} s (mean of ${RUNS})`),
      target(`server CPU per push with ${PAGES} live pages vs without`, 'reported', cpuRatio, null, `${mean(withPages.cpuMs)} vs ${mean(baseline.cpuMs)} ms (server process only; builds run in children)`),
      target(`server CPU with ${PAGES} live pages open, no deploy`, 'reported', idleCpuWithPages, null, `ms per s over ${IDLE_WATCH_MS / 1000} s; ${idleCpuNoPages} with no page open`),
      target(`server RSS growth with ${PAGES} live pages during deploys`, '≤ 40 MB', round(peak - baselineRss.rssMB, 1), peak - baselineRss.rssMB <= 40, `peak ${peak} MB vs ${baselineRss.rssMB} MB before`),
    ],
  };
});
