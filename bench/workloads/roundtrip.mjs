// Workload 1 — command round trip: `ssh dokku@127.0.0.1 hello myapp`, a fresh connection each
// time, against a private OpenSSH sshd whose ForceCommand runs the same plugin script with the
// same environment. Runs are interleaved so load from other work hits both alike.
import path from 'node:path';
import { cpuOf, log, main, options, ratio, round, run, summarize, target } from '../lib/common.mjs';
import { SlipwayServer } from '../lib/slipway.mjs';
import { AnchorSshd } from '../lib/sshd.mjs';
import { pluginEnvFor } from '../lib/plugin-env.mjs';
import { profileDir, summarizeProfiles } from '../lib/profile.mjs';

const opts = options();
const RUNS = opts.runs(50, 8);
const WARMUP = 3;
const EXPECTED = 'Hello myapp';

async function timed(fn, label) {
  const r = await fn();
  if (r.code !== 0 || !r.stdout.includes(EXPECTED)) throw new Error(`${label}: exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`);
  return r.ms;
}

/** The key exchange and cipher a client negotiates, from its debug log. */
async function negotiated(args) {
  const r = await run('ssh', args.map((a) => (a === 'LogLevel=ERROR' ? 'LogLevel=DEBUG1' : a)));
  const pick = (re) => (re.exec(r.stderr) ?? [])[1] ?? null;
  return { kex: pick(/kex: algorithm: (\S+)/), hostKey: pick(/kex: host key algorithm: (\S+)/), cipher: pick(/kex: server->client cipher: (\S+)/), server: pick(/remote software version (\S+)/) };
}

main('roundtrip', async () => {
  const cpuProfDir = opts.cpuProf ? profileDir('roundtrip') : undefined;
  const server = await SlipwayServer.start({ name: 'roundtrip', cpuProfDir });
  await server.createApp('myapp');
  const { env, settings } = await pluginEnvFor(server.env());
  const commandsFile = path.join(settings.corePluginsDir, 'hello', 'commands');
  const started = await AnchorSshd.start({ env, commandsFile, authorizedKey: server.admin.publicKey });
  const anchor = started.ok ? started.anchor : null;
  if (!anchor) log(`anchor absent: ${started.reason}`);

  const slipway = () => server.ssh(['hello', 'myapp']);
  // Like for like: the key exchange Slipway negotiates (curve25519-sha256). OpenSSH's own default
  // (sntrup761x25519, ~70 ms of client-side key generation here) is measured as a second anchor.
  const sameKex = ['-o', 'KexAlgorithms=curve25519-sha256'];
  const openssh = () => run('ssh', [...sameKex, ...anchor.sshArgs(['hello', 'myapp'], server.admin)]);
  const opensshDefault = () => anchor.ssh(['hello', 'myapp'], server.admin);
  const pluginOnly = () => run(commandsFile, ['hello', 'myapp'], { env });
  const coreOnly = () => server.ssh(['version']);

  const algos = {
    slipway: await negotiated(server.sshArgs(['version'])),
    openssh: anchor ? await negotiated([...sameKex, ...anchor.sshArgs(['hello', 'myapp'], server.admin)]) : null,
    openssh_default: anchor ? await negotiated(anchor.sshArgs(['hello', 'myapp'], server.admin)) : null,
  };

  for (let i = 0; i < WARMUP; i++) {
    await timed(slipway, 'slipway warm-up');
    if (anchor) await timed(openssh, 'openssh warm-up');
    if (anchor) await timed(opensshDefault, 'openssh (defaults) warm-up');
  }
  const series = { slipway, openssh, openssh_default: opensshDefault };
  const names = anchor ? Object.keys(series) : ['slipway'];
  const times = Object.fromEntries(names.map((n) => [n, []]));
  // Server-side CPU per command (process + reaped children: plugin scripts, sshd's per-connection
  // processes) is far less disturbed by other load than wall time. The two OpenSSH series share
  // one sshd, so its CPU is apportioned from a separate same-kex-only pass below.
  const cpu0 = cpuOf(server.pid);
  for (let i = 0; i < RUNS; i++) {
    // Rotate the order each round so no series always runs right after another.
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const which of order) times[which].push(await timed(series[which], which));
  }
  const cpu1 = cpuOf(server.pid);
  const cpuPerCommand = { slipway: round(((cpu1.total - cpu0.total) * 1000) / (RUNS + 0), 2), openssh: null };
  if (anchor) {
    const a0 = cpuOf(anchor.pid);
    for (let i = 0; i < Math.min(RUNS, 20); i++) await timed(openssh, 'openssh (cpu pass)');
    const a1 = cpuOf(anchor.pid);
    cpuPerCommand.openssh = round(((a1.total - a0.total) * 1000) / Math.min(RUNS, 20), 2);
  }
  // Decomposition: the plugin script alone, and a core command (no plugin process) over SSH.
  const extraRuns = Math.min(RUNS, 20);
  const plugin = [];
  const core = [];
  for (let i = 0; i < extraRuns; i++) {
    plugin.push(await timed(pluginOnly, 'plugin alone'));
    const r = await coreOnly();
    if (r.code !== 0) throw new Error(`version: ${r.stderr}`);
    core.push(r.ms);
  }
  const memory = server.memory();
  await server.stop();

  const s = summarize(times.slipway);
  const o = anchor ? summarize(times.openssh) : null;
  const od = anchor ? summarize(times.openssh_default) : null;
  const r = o ? ratio(s.median, o.median) : null;
  return {
    status: 'ok',
    title: 'Command round trip (fresh SSH connection, `hello myapp`)',
    command: 'node bench/workloads/roundtrip.mjs',
    params: { runs: RUNS, warmup: WARMUP, order: 'interleaved, rotated each round', openssh_client_kex: 'curve25519-sha256 (same as Slipway); openssh_default_kex: client defaults' },
    anchors: { openssh: anchor ? { present: true, version: anchor.version } : { present: false, reason: started.reason } },
    negotiated: algos,
    figures: {
      slipway_ms: s,
      openssh_ms: o,
      openssh_default_kex_ms: od,
      plugin_script_alone_ms: summarize(plugin),
      slipway_core_command_version_ms: summarize(core),
      slipway_server_memory_after: memory,
      server_cpu_ms_per_command: cpuPerCommand,
    },
    ratios: {
      slipway_over_openssh_median: r,
      slipway_over_openssh_p95: o ? ratio(s.p95, o.p95) : null,
      slipway_over_openssh_default_kex_median: od ? ratio(s.median, od.median) : null,
      server_cpu_per_command_slipway_over_openssh: ratio(cpuPerCommand.slipway, cpuPerCommand.openssh),
    },
    targets: [target('round trip median vs OpenSSH (same kex)', '≤ 0.6×', r, r === null ? null : r <= 0.6,
      r === null ? `anchor absent: ${started.reason}` : `${s.median} ms vs ${o.median} ms (OpenSSH with its default kex: ${od.median} ms)`)],
    profiles: cpuProfDir ? summarizeProfiles(server.profiles()) : undefined,
  };
});
