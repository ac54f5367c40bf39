// Workload 3 — push and clone of a 100 MB repo of incompressible files in 4 commits: over SSH to
// Slipway vs the same push to a local bare repo (file path, no SSH) and to the OpenSSH anchor
// (git-receive-pack behind the same kind of ForceCommand dispatcher). Pushes go to a branch that
// is not the deploy branch, so no build runs: this measures the git transport alone.
import fs from 'node:fs';
import path from 'node:path';
import { cpuOf, log, main, options, ratio, round, summarize, target, tempDir } from '../lib/common.mjs';
import { SlipwayServer } from '../lib/slipway.mjs';
import { AnchorSshd } from '../lib/sshd.mjs';
import { pluginEnvFor } from '../lib/plugin-env.mjs';
import { git, makeDataRepo, probeGit, push, slipwayUrl, sshEnv } from '../lib/git.mjs';
import { profileDir, summarizeProfiles } from '../lib/profile.mjs';

const opts = options();
const RUNS = opts.runs(3, 1);
const MB = Number(opts.get('mb') ?? (opts.quick ? 20 : 100));
const COMMITS = 4;
const BRANCH = 'bench-data';

function ok(r, label) {
  if (r.code !== 0) throw new Error(`${label} failed (exit ${r.code}): ${r.stderr.trim().slice(-1500)}`);
  return r.ms;
}

main('push', async () => {
  const title = `Push and clone of a ${MB} MB repo (${COMMITS} commits, incompressible) over SSH`;
  const cpuProfDir = opts.cpuProf ? profileDir('push') : undefined;
  const server = await SlipwayServer.start({ name: 'push', cpuProfDir });
  const probe = await probeGit(server);
  if (!probe.available) {
    await server.stop();
    return { status: 'skipped', reason: probe.reason, title, command: 'node bench/workloads/push.mjs',
      targets: [target('push vs local bare repo', '≤ 1.10×', null, null, `skipped: ${probe.reason}`)] };
  }
  const work = tempDir('push-data');
  const repo = path.join(work, 'repo');
  log(`making a ${MB} MB repo in ${COMMITS} commits`);
  await makeDataRepo(repo, { totalMB: MB, commits: COMMITS });
  const { env } = await pluginEnvFor(server.env());
  const started = await AnchorSshd.start({ env, commandsFile: '/bin/false', authorizedKey: server.admin.publicKey });
  const anchor = started.ok ? started.anchor : null;
  if (!anchor) log(`OpenSSH anchor absent: ${started.reason}`);
  const withSsh = sshEnv(server.admin);
  // Like for like with Slipway's negotiated kex (see roundtrip); bulk cipher is the client's default.
  const anchorEnv = { ...withSsh, GIT_SSH_COMMAND: `${withSsh.GIT_SSH_COMMAND} -o KexAlgorithms=curve25519-sha256` };

  const pushes = { slipway: [], local: [], openssh: [] };
  const targets = {
    slipway: async (i) => { await server.createApp(`push${i}`); return push(repo, slipwayUrl(server, `push${i}`), { branch: BRANCH, env: withSsh }); },
    local: async (i) => { const bare = path.join(work, `local${i}.git`); await git(['init', '-q', '--bare', bare]); return push(repo, bare, { branch: BRANCH }); },
    openssh: async (i) => push(repo, anchor.url(`push${i}`), { branch: BRANCH, env: anchorEnv }),
  };
  const names = anchor ? ['slipway', 'local', 'openssh'] : ['slipway', 'local'];
  // The server process's own CPU (not git's: children excluded) per push: the cost of relaying
  // the pack through SSH into git-receive-pack, robust to the other load on the machine.
  const relayCpu = { push: [], clone: [] };
  const selfCpu = () => cpuOf(server.pid)?.self ?? 0;
  for (let i = 0; i < RUNS; i++) {
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const n of order) {
      const c0 = selfCpu();
      pushes[n].push(ok(await targets[n](i), `push to ${n}`));
      if (n === 'slipway') relayCpu.push.push((selfCpu() - c0) * 1000);
      log(`push ${n} #${i}: ${Math.round(pushes[n].at(-1))} ms`);
    }
  }
  // Clone back (bare: no checkout, so only the transport and index-pack are timed).
  const clones = { slipway: [], local: [], openssh: [] };
  const sources = {
    slipway: [slipwayUrl(server, 'push0'), withSsh],
    local: [`file://${path.join(work, 'local0.git')}`, process.env],
    openssh: anchor ? [anchor.url('push0'), anchorEnv] : null,
  };
  let k = 0;
  for (let i = 0; i < RUNS; i++) {
    const order = names.map((_, j) => names[(i + j) % names.length]);
    for (const n of order) {
      const dest = path.join(work, `clone-${n}-${k++}`);
      const [url, e] = sources[n];
      const c0 = selfCpu();
      clones[n].push(ok(await git(['clone', '-q', '--bare', url, dest], { env: e, allowFail: true }), `clone from ${n}`));
      if (n === 'slipway') relayCpu.clone.push((selfCpu() - c0) * 1000);
      fs.rmSync(dest, { recursive: true, force: true });
      log(`clone ${n} #${i}: ${Math.round(clones[n].at(-1))} ms`);
    }
  }
  const memory = server.memory();
  await server.stop();

  const fig = {
    push_ms: Object.fromEntries(names.map((n) => [n, summarize(pushes[n])])),
    clone_ms: Object.fromEntries(names.map((n) => [n, summarize(clones[n])])),
  };
  fig.push_MB_per_s = Object.fromEntries(names.map((n) => [n, round(MB / (fig.push_ms[n].median / 1000), 1)]));
  fig.slipway_server_memory_after = memory;
  fig.slipway_server_self_cpu_ms = { per_push: summarize(relayCpu.push), per_clone: summarize(relayCpu.clone) };
  fig.slipway_relay_MB_per_cpu_s = round(MB / (fig.slipway_server_self_cpu_ms.per_push.median / 1000), 1);
  const r = ratio(fig.push_ms.slipway.median, fig.push_ms.local.median);
  const rClone = anchor ? ratio(fig.clone_ms.slipway.median, fig.clone_ms.openssh.median) : null;
  return {
    status: 'ok',
    title,
    command: 'node bench/workloads/push.mjs',
    params: { runs: RUNS, megabytes: MB, commits: COMMITS, branch: `${BRANCH} (not the deploy branch: stored, not deployed)` },
    anchors: { openssh: anchor ? { present: true, version: anchor.version } : { present: false, reason: started.reason } },
    figures: fig,
    ratios: {
      push_slipway_over_local: r,
      push_slipway_over_openssh: anchor ? ratio(fig.push_ms.slipway.median, fig.push_ms.openssh.median) : null,
      clone_slipway_over_openssh: rClone,
      clone_slipway_over_local: ratio(fig.clone_ms.slipway.median, fig.clone_ms.local.median),
    },
    targets: [
      target('push vs local bare repo (median)', '≤ 1.10×', r, r <= 1.1, `${fig.push_ms.slipway.median} vs ${fig.push_ms.local.median} ms (OpenSSH ${fig.push_ms.openssh?.median ?? '—'} ms); Slipway process CPU ${fig.slipway_server_self_cpu_ms.per_push.median} ms per push`),
      target('clone vs OpenSSH (median)', 'reported', rClone, null, anchor ? `${fig.clone_ms.slipway.median} vs ${fig.clone_ms.openssh.median} ms` : `anchor absent: ${started.reason}`),
    ],
    profiles: cpuProfDir ? summarizeProfiles(server.profiles()) : undefined,
  };
});
