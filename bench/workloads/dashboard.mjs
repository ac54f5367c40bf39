// Workload 11 — the web dashboard: server RSS idle with the dashboard on vs off, and the cost of
// 20 open live deploy-log pages during a deploy (10 that read, 10 raw sockets that never read):
// push time, the server process's own CPU per push and its peak RSS, against the same push with no
// page open, in paired rounds on one server (order alternating); and the server's CPU while those
// pages wait with no deploy running. The verdict is the median of the per-round time ratios.
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuPreciseMs, log, main, memoryOf, nowMs, options, round, rssSampler, sleep, summarize, target } from '../lib/common.mjs';
import { diffProfile, profileDir, summarizeProfiles } from '../lib/profile.mjs';
import { SlipwayServer } from '../lib/slipway.mjs';
import { git, makeAppRepo, push, slipwayUrl, sshEnv } from '../lib/git.mjs';

const opts = options();
const PAGES = Number(opts.get('sessions') ?? 20);
/** Paired rounds: each one push with no page open and one with the pages (`--runs N`). */
const DEFAULT_ROUNDS = 20;
const ROUNDS = opts.runs(DEFAULT_ROUNDS, 2);
/** How long freshly opened (or closed) pages are given to settle before the next push. */
const SETTLE_MS = 1000;
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

/**
 * One push: its wall time (s), the CPU the server process itself used meanwhile (ms, all its
 * threads, from schedstat; builds run in children), and this process's own CPU (the reading pages).
 */
async function timedPush(repo, server, version) {
  fs.writeFileSync(path.join(repo, 'v.txt'), `${version}\n`);
  await git(['-C', repo, 'commit', '-qam', version]);
  const cpu = cpuPreciseMs(server.pid);
  const own = process.cpuUsage();
  const start = nowMs();
  const r = await push(repo, slipwayUrl(server, 'web'), { env: sshEnv(server.admin) });
  if (r.code !== 0) throw new Error(`push ${version} failed: ${r.stderr}`);
  const end = nowMs();
  const seconds = (end - start) / 1000;
  const mine = process.cpuUsage(own);
  // The push's span on the monotonic clock (µs), as a --cpu-prof profile's timestamps count.
  return { window: [Math.round(start * 1000), Math.round(end * 1000)], seconds: round(seconds, 3), cpuMs: round(cpuPreciseMs(server.pid) - cpu, 1), benchCpuMs: round((mine.user + mine.system) / 1000, 0) };
}

/** The server process's CPU (ms per second) over IDLE_WATCH_MS with nothing deploying. */
async function idleCpu(server) {
  const cpu = cpuPreciseMs(server.pid);
  const start = nowMs();
  await sleep(IDLE_WATCH_MS);
  return round((cpuPreciseMs(server.pid) - cpu) / ((nowMs() - start) / 1000), 1);
}

/** Opens the pages (half reading, half stalled) and lets them settle; returns what closes them. */
async function openPages(base, cookie, counter) {
  const closers = [];
  for (let i = 0; i < PAGES; i++) closers.push(i % 2 === 0 ? await readingPage(base, cookie, counter) : stalledPage(base, cookie));
  await sleep(SETTLE_MS);
  return () => { for (const close of closers) close(); };
}

const median = (xs) => summarize(xs).median;
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); const at = (s.length - 1) * p; const lo = Math.floor(at); return s[lo] + (s[Math.ceil(at)] - s[lo]) * (at - lo); };
/** Median, quartiles and range of a series (what the README quotes as the spread). */
function spread(xs, digits = 3) {
  return { n: xs.length, median: round(median(xs), digits), q1: round(q(xs, 0.25), digits), q3: round(q(xs, 0.75), digits), min: round(Math.min(...xs), digits), max: round(Math.max(...xs), digits) };
}
/**
 * A distribution-free confidence interval for the median of n values: the k-th smallest and
 * k-th largest, with k the largest rank whose binomial tail leaves ≥ the asked coverage.
 */
function medianInterval(xs, coverage = 0.9) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const binom = (k) => { let c = 1; for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1); return c / 2 ** n; };
  let k = 0;
  let tail = binom(0);
  // P(median outside [x(k+1), x(n-k)]) = 2 × P(Bin(n, ½) ≤ k).
  while (k + 1 < n / 2 && 2 * (tail + binom(k + 1)) <= 1 - coverage) tail += binom(++k);
  return { low: round(s[k], 3), high: round(s[n - 1 - k], 3), coverage: round(1 - 2 * tail, 3) };
}

main('dashboard', async () => {
  const off = await idleRss({ SLIPWAY_DASHBOARD_LISTEN: '' });
  const on = await idleRss({});
  log(`idle rss: dashboard off ${off.rssMB} MB, on ${on.rssMB} MB`);

  const cpuProfDir = opts.cpuProf ? profileDir('dashboard') : undefined;
  const server = await SlipwayServer.start({ name: 'dashboard', cpuProfDir });
  const base = /dashboard: (http:\/\/[\d.]+:\d+)/.exec(server.banner)[1];
  await server.createApp('web');
  const repo = await makeAppRepo(path.join(server.dir, 'repo'), APP);
  await git(['-C', repo, 'branch', '-M', 'main']);
  const first = await push(repo, slipwayUrl(server, 'web'), { env: sshEnv(server.admin) });
  if (first.code !== 0) throw new Error(`first push failed: ${first.stderr}`);
  // A warm-up push of each kind (JIT, caches), not counted.
  let version = 2;
  await timedPush(repo, server, `v${version++}`);
  const cookie = await logIn(server, base);
  const counter = { bytes: 0 };
  let close = await openPages(base, cookie, counter);
  await timedPush(repo, server, `v${version++}`);
  close();
  await sleep(SETTLE_MS);

  const baselineRss = memoryOf(server.pid);
  const idleCpuNoPages = await idleCpu(server);
  close = await openPages(base, cookie, counter);
  const withPagesIdle = memoryOf(server.pid);
  const idleCpuWithPages = await idleCpu(server);
  close();
  await sleep(SETTLE_MS);

  // Rounds: one push with no page and one with the pages, the order alternating (ABBA…), so a
  // drift in the machine's load falls on both series alike; each round's ratio is paired.
  const rounds = [];
  let peak = 0;
  const loads = [os.loadavg()[0]];
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ['none', 'pages'] : ['pages', 'none'];
    const round_ = {};
    for (const kind of order) {
      if (kind === 'none') {
        round_.none = await timedPush(repo, server, `v${version++}`);
      } else {
        close = await openPages(base, cookie, counter);
        const sampler = rssSampler(server.pid);
        round_.pages = await timedPush(repo, server, `v${version++}`);
        peak = Math.max(peak, sampler.stop());
        close();
        await sleep(SETTLE_MS);
      }
    }
    round_.ratio = round(round_.pages.seconds / round_.none.seconds, 3);
    rounds.push(round_);
    loads.push(os.loadavg()[0]);
    log(`round ${i + 1}/${ROUNDS}: ${round_.none.seconds} s / ${round_.none.cpuMs} ms cpu without, ${round_.pages.seconds} s / ${round_.pages.cpuMs} ms cpu with pages (×${round_.ratio}), load ${os.loadavg()[0].toFixed(2)}`);
  }
  await server.stop();

  const none = rounds.map((r) => r.none);
  const pages = rounds.map((r) => r.pages);
  const ratios = rounds.map((r) => r.ratio);
  const wallNone = median(none.map((r) => r.seconds));
  const wallPages = median(pages.map((r) => r.seconds));
  const cpuNone = median(none.map((r) => r.cpuMs));
  const cpuPages = median(pages.map((r) => r.cpuMs));
  const extraCpu = rounds.map((r) => round(r.pages.cpuMs - r.none.cpuMs, 1));
  const ratio = round(median(ratios), 3);
  const interval = medianInterval(ratios);
  // The verdict: the median of the paired per-round ratios against the target, and how sure it is
  // (the interval for that median lies wholly on one side of the target, or straddles it).
  const GOAL = 1.25;
  const met = ratio <= GOAL;
  const sure = interval.coverage < 0.9 ? 'too few rounds for a 90 % interval'
    : interval.high <= GOAL ? 'met with confidence' : interval.low > GOAL ? 'missed with confidence' : 'interval straddles the target';
  // The server's extra CPU per push bounds its share of the slowdown: were all of it on the push's
  // critical path, the ratio would be (wall without + extra CPU) / wall without.
  const cpuBound = round((wallNone + Math.max(0, median(extraCpu)) / 1000) / wallNone, 3);
  const loadSpan = `${round(Math.min(...loads), 2)}–${round(Math.max(...loads), 2)}`;
  return {
    status: 'ok',
    title: `Dashboard: idle memory, and ${PAGES} open live deploy-log pages during a deploy`,
    command: `flock /work/wt/bench.lock node bench/run.mjs dashboard${ROUNDS !== DEFAULT_ROUNDS ? ` --runs ${ROUNDS}` : ''}`,
    params: { pages: PAGES, reading: Math.ceil(PAGES / 2), stalled: Math.floor(PAGES / 2), rounds: ROUNDS, order: 'per round one push without and one with the pages, order alternating; pages opened fresh for each push with them and closed after', app: 'Procfile node app, process scheduler' },
    figures: {
      idle_rss_dashboard_off: off,
      idle_rss_dashboard_on: on,
      rounds,
      push_seconds_no_pages: spread(none.map((r) => r.seconds)),
      push_seconds_with_pages: spread(pages.map((r) => r.seconds)),
      push_time_ratio_per_round: spread(ratios),
      push_time_ratio_median_interval: interval,
      server_cpu_ms_per_push_no_pages: spread(none.map((r) => r.cpuMs), 1),
      server_cpu_ms_per_push_with_pages: spread(pages.map((r) => r.cpuMs), 1),
      server_extra_cpu_ms_per_push_with_pages: spread(extraCpu, 1),
      bench_process_cpu_ms_per_push_with_pages: spread(pages.map((r) => r.benchCpuMs), 0),
      server_cpu_ms_per_s_idle_no_pages: idleCpuNoPages,
      server_cpu_ms_per_s_idle_with_pages: idleCpuWithPages,
      rss_before_pages: baselineRss,
      rss_with_pages_open: withPagesIdle,
      rss_peak_during_deploys_with_pages_mb: peak,
      bytes_read_by_reading_pages: counter.bytes,
      loadavg_1min_per_round: loads.map((l) => round(l, 2)),
    },
    ratios: { push_time_with_pages_over_without: ratio, server_cpu_per_push_with_pages_over_without: round(cpuPages / cpuNone, 3) },
    verdict: { target: `push time with ${PAGES} pages ≤ ${GOAL}× without`, median_ratio: ratio, met, confidence: sure, interval, cpu_bound_ratio: cpuBound },
    profiles: cpuProfDir ? summarizeProfiles(server.profiles()) : undefined,
    // What the pages cost per push, by function: the server's samples during pushes with pages
    // minus those during pushes without, per push.
    // focus: the samples in the dashboard's own code, and in Node's HTTP response writes (the
    // pages' sockets; the corked writes go out from a later tick, outside the dashboard's frames).
    profile_pages_minus_none: cpuProfDir ? server.profiles().map((f) => diffProfile(f, pages.map((r) => r.window), none.map((r) => r.window), {
      focus: { dashboard: /\/dist\/src\/dashboard\//, http_responses: /^node:_http_(outgoing|server)$/, either: /\/dist\/src\/dashboard\/|^node:_http_(outgoing|server)$/ },
    })) : undefined,
    targets: [
      target('idle RSS cost of the dashboard', '≤ 10 MB', round(on.rssMB - off.rssMB, 1), on.rssMB - off.rssMB <= 10, `off ${off.rssMB} MB, on ${on.rssMB} MB`),
      target(`push time with ${PAGES} live pages (half stalled)`, `≤ ${GOAL}× without`, ratio, met,
        `median of ${ROUNDS} paired rounds (alternating order); per-round ratios ${spread(ratios).min}–${spread(ratios).max}, IQR ${round(q(ratios, 0.25), 2)}–${round(q(ratios, 0.75), 2)}; ${Math.round(interval.coverage * 100)} % interval of the median ${interval.low}–${interval.high} (${sure}); medians ${round(wallPages, 2)} s vs ${round(wallNone, 2)} s; load ${loadSpan}`),
      target(`server CPU per push with ${PAGES} live pages vs without`, 'reported', round(cpuPages / cpuNone, 2), null,
        `medians ${cpuPages} vs ${cpuNone} ms; extra per push median ${median(extraCpu)} ms (${Math.min(...extraCpu)}–${Math.max(...extraCpu)}); ratio bound from it ${cpuBound}× (server process only; builds run in children)`),
      target(`server CPU with ${PAGES} live pages open, no deploy`, 'reported', idleCpuWithPages, null, `ms per s over ${IDLE_WATCH_MS / 1000} s; ${idleCpuNoPages} with no page open`),
      target(`server RSS growth with ${PAGES} live pages during deploys`, '≤ 40 MB', round(peak - baselineRss.rssMB, 1), peak - baselineRss.rssMB <= 40, `peak ${peak} MB vs ${baselineRss.rssMB} MB before`),
    ],
  };
});
