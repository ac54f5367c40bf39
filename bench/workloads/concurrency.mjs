// Workload 4 — concurrency: bursts of 100 simultaneous `ssh dokku@… hello myapp` sessions (all
// must succeed; sessions/s; server peak RSS), the OpenSSH anchor given the same burst for
// reference, and 10 simultaneous pushes to 10 apps when this build has a git transport.
import path from 'node:path';
import { log, main, memoryOf, nowMs, options, ratio, round, rssSampler, run, summarize, target, tempDir } from '../lib/common.mjs';
import { SlipwayServer } from '../lib/slipway.mjs';
import { AnchorSshd } from '../lib/sshd.mjs';
import { pluginEnvFor } from '../lib/plugin-env.mjs';
import { makeDataRepo, probeGit, push, slipwayUrl, sshEnv } from '../lib/git.mjs';
import { profileDir, summarizeProfiles } from '../lib/profile.mjs';

const opts = options();
const SESSIONS = Number(opts.get('sessions') ?? 100);
const BURSTS = opts.runs(3, 1);
const PUSHES = 10;
const PUSH_MB = Number(opts.get('push-mb') ?? (opts.quick ? 2 : 10));

/** Starts `count` clients at once; resolves wall time and each one's outcome. */
async function burst(count, start, expected) {
  const t0 = nowMs();
  const results = await Promise.all(Array.from({ length: count }, () => start()));
  const wall = nowMs() - t0;
  const failed = results.filter((r) => r.code !== 0 || !r.stdout.includes(expected));
  return {
    wall_ms: round(wall, 1),
    ok: count - failed.length,
    failed: failed.length,
    sessions_per_s: round(((count - failed.length) * 1000) / wall, 1),
    per_session_ms: summarize(results.map((r) => r.ms)),
    first_errors: [...new Set(failed.map((r) => `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`))].slice(0, 3),
  };
}

main('concurrency', async () => {
  const cpuProfDir = opts.cpuProf ? profileDir('concurrency') : undefined;
  const server = await SlipwayServer.start({ name: 'concurrency', cpuProfDir });
  await server.createApp('myapp');
  const { env, settings } = await pluginEnvFor(server.env());
  // MaxStartups raised so sshd's unauthenticated-connection throttle (default 10:30:100) does
  // not drop part of the burst: the anchor is the throughput reference, not the DoS policy.
  const started = await AnchorSshd.start({
    env, commandsFile: path.join(settings.corePluginsDir, 'hello', 'commands'), authorizedKey: server.admin.publicKey,
    config: `MaxStartups ${SESSIONS * 2}\nMaxSessions ${SESSIONS}`,
  });
  const anchor = started.ok ? started.anchor : null;
  for (let i = 0; i < 3; i++) await server.ssh(['hello', 'myapp']);

  const slipwayStart = () => server.ssh(['hello', 'myapp']);
  const sameKex = ['-o', 'KexAlgorithms=curve25519-sha256'];
  const opensshStart = () => run('ssh', [...sameKex, ...anchor.sshArgs(['hello', 'myapp'], server.admin)], { timeoutMs: 120_000 });
  const bursts = { slipway: [], openssh: [] };
  const peaks = [];
  for (let b = 0; b < BURSTS; b++) {
    const sampler = rssSampler(server.pid, 25);
    bursts.slipway.push(await burst(SESSIONS, slipwayStart, 'Hello myapp'));
    peaks.push(sampler.stop());
    log(`slipway burst ${b}: ${bursts.slipway.at(-1).ok}/${SESSIONS} ok in ${bursts.slipway.at(-1).wall_ms} ms`);
    if (anchor) {
      bursts.openssh.push(await burst(SESSIONS, opensshStart, 'Hello myapp'));
      log(`openssh burst ${b}: ${bursts.openssh.at(-1).ok}/${SESSIONS} ok in ${bursts.openssh.at(-1).wall_ms} ms`);
    }
  }
  const hwm = memoryOf(server.pid);

  // 10 simultaneous pushes to 10 apps (non-deploy branch), when git is served.
  let pushes = { status: 'skipped', reason: '' };
  const probe = await probeGit(server);
  if (!probe.available) {
    pushes.reason = probe.reason;
  } else {
    const work = tempDir('concurrency-push');
    const repos = [];
    for (let i = 0; i < PUSHES; i++) {
      repos.push(await makeDataRepo(path.join(work, `repo${i}`), { totalMB: PUSH_MB, commits: 2, fileMB: 1 }));
      await server.createApp(`cpush${i}`);
    }
    const withSsh = sshEnv(server.admin);
    const sampler = rssSampler(server.pid, 25);
    const t0 = nowMs();
    const results = await Promise.all(repos.map((repo, i) => push(repo, slipwayUrl(server, `cpush${i}`), { branch: 'bench-data', env: withSsh })));
    const wall = nowMs() - t0;
    const failed = results.filter((r) => r.code !== 0);
    pushes = {
      status: 'ok',
      pushes: PUSHES,
      megabytes_each: PUSH_MB,
      ok: PUSHES - failed.length,
      wall_ms: round(wall, 0),
      per_push_ms: summarize(results.map((r) => r.ms)),
      server_peak_rss_mb: sampler.stop(),
      first_errors: failed.slice(0, 3).map((r) => r.stderr.trim().split('\n').slice(-2).join(' ')),
    };
    log(`pushes: ${pushes.ok}/${PUSHES} ok in ${pushes.wall_ms} ms`);
  }
  const finalMemory = memoryOf(server.pid);
  await server.stop();

  const allOk = bursts.slipway.every((b) => b.failed === 0);
  const rate = summarize(bursts.slipway.map((b) => b.sessions_per_s));
  const anchorRate = anchor ? summarize(bursts.openssh.map((b) => b.sessions_per_s)) : null;
  return {
    status: 'ok',
    title: `${SESSIONS} simultaneous SSH sessions; ${PUSHES} simultaneous pushes`,
    command: 'node bench/workloads/concurrency.mjs',
    params: { sessions: SESSIONS, bursts: BURSTS, pushes: PUSHES, push_megabytes_each: PUSH_MB },
    anchors: { openssh: anchor ? { present: true, version: anchor.version, config: `MaxStartups ${SESSIONS * 2}, kex curve25519-sha256` } : { present: false, reason: started.reason } },
    figures: {
      slipway_bursts: bursts.slipway,
      openssh_bursts: anchor ? bursts.openssh : null,
      slipway_sessions_per_s: rate,
      openssh_sessions_per_s: anchorRate,
      slipway_peak_rss_mb_sampled: round(Math.max(...peaks), 1),
      slipway_vm_hwm_mb_after_bursts: hwm?.hwmMB ?? null,
      slipway_memory_at_end: finalMemory,
      pushes,
    },
    ratios: { sessions_per_s_slipway_over_openssh: anchorRate ? ratio(rate.median, anchorRate.median) : null },
    targets: [
      target(`${SESSIONS} simultaneous sessions all succeed`, `${SESSIONS}/${SESSIONS}`, `${Math.min(...bursts.slipway.map((b) => b.ok))}/${SESSIONS}`, allOk,
        `${rate.median} sessions/s (OpenSSH: ${anchorRate?.median ?? 'absent'}); peak RSS ${round(Math.max(...peaks), 1)} MB`),
      target(`${PUSHES} simultaneous pushes all succeed`, `${PUSHES}/${PUSHES}`, pushes.status === 'ok' ? `${pushes.ok}/${PUSHES}` : null,
        pushes.status === 'ok' ? pushes.ok === PUSHES : null, pushes.status === 'ok' ? `${pushes.wall_ms} ms wall, peak RSS ${pushes.server_peak_rss_mb} MB` : `skipped: ${pushes.reason}`),
    ],
    profiles: cpuProfDir ? summarizeProfiles(server.profiles()) : undefined,
  };
});
