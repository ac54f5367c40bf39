// Workload 2 — dispatch cost of installed plugins: the same `hello myapp` round trip against a
// server with no extra plugins and one with 100 (p0…p99 in lib/plugins/available, linked from
// enabled/), both running at once and measured interleaved. The server warms its command index
// at start, so 100 plugins should cost next to nothing per command.
import { cpuOf, log, main, nowMs, options, ratio, round, summarize, target } from '../lib/common.mjs';
import { SlipwayServer, installPlugin } from '../lib/slipway.mjs';
import { controlClient } from '../lib/control.mjs';
import { profileDir, summarizeProfiles } from '../lib/profile.mjs';

const opts = options();
const RUNS = opts.runs(50, 8);
const EXTRA = Number(opts.get('plugins') ?? 100);
const WARMUP = 3;

function pluginScript(name) {
  return `#!/usr/bin/env bash
# bench plugin ${name}: one command, Dokku-style help, exit 10 for anything else.
set -eo pipefail
case "$1" in
  help) echo "    ${name}:hello, Says hello from ${name}" ;;
  ${name}:hello) echo "Hello from ${name}" ;;
  *) exit "\${DOKKU_NOT_IMPLEMENTED_EXIT:-10}" ;;
esac
`;
}

function check(r, expected, label) {
  if (r.code !== 0 || !r.stdout.includes(expected)) throw new Error(`${label}: exit ${r.code}, stdout ${JSON.stringify(r.stdout)}, stderr ${JSON.stringify(r.stderr)}`);
  return r.ms;
}

main('dispatch', async () => {
  const cpuProf = opts.cpuProf;
  let t0 = nowMs();
  const bare = await SlipwayServer.start({ name: 'dispatch-0', cpuProfDir: cpuProf ? profileDir('dispatch-0') : undefined });
  const bareStart = nowMs() - t0;
  t0 = nowMs();
  const last = `p${EXTRA - 1}`;
  const loaded = await SlipwayServer.start({
    name: `dispatch-${EXTRA}`,
    cpuProfDir: cpuProf ? profileDir(`dispatch-${EXTRA}`) : undefined,
    prepare: (home) => { for (let i = 0; i < EXTRA; i++) installPlugin(home, `p${i}`, pluginScript(`p${i}`)); },
  });
  const loadedStart = nowMs() - t0;
  for (const s of [bare, loaded]) await s.createApp('myapp');
  const help = await loaded.ssh(['help', '--all']);
  if (!help.stdout.includes(`${last}:hello`)) throw new Error(`the ${EXTRA}-plugin server does not list ${last}:hello in help --all`);

  const series = {
    plugins_0: () => bare.ssh(['hello', 'myapp']),
    [`plugins_${EXTRA}`]: () => loaded.ssh(['hello', 'myapp']),
    [`plugins_${EXTRA}_last_plugin_command`]: () => loaded.ssh([`${last}:hello`]),
  };
  const expected = { plugins_0: 'Hello myapp', [`plugins_${EXTRA}`]: 'Hello myapp', [`plugins_${EXTRA}_last_plugin_command`]: `Hello from ${last}` };
  const names = Object.keys(series);
  for (let i = 0; i < WARMUP; i++) for (const n of names) check(await series[n](), expected[n], n);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  const cpuSpent = Object.fromEntries(names.map((n) => [n, 0]));
  const serverOf = { plugins_0: bare, [`plugins_${EXTRA}`]: loaded, [`plugins_${EXTRA}_last_plugin_command`]: loaded };
  for (let i = 0; i < RUNS; i++) {
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const n of order) {
      // Server CPU (with reaped plugin processes) around each command: robust to other load.
      const before = cpuOf(serverOf[n].pid).total;
      times[n].push(check(await series[n](), expected[n], n));
      cpuSpent[n] += cpuOf(serverOf[n].pid).total - before;
    }
  }
  const cpuPerCommand = Object.fromEntries(names.map((n) => [n, round((cpuSpent[n] * 1000) / RUNS, 2)]));

  // Inside the server only: the same command through the control socket (no SSH, no user-auth).
  const ctl0 = await controlClient(bare.env());
  const ctlN = await controlClient(loaded.env());
  const control = { plugins_0: [], [`plugins_${EXTRA}`]: [] };
  for (let i = 0; i < WARMUP; i++) { await ctl0(['hello', 'myapp']); await ctlN(['hello', 'myapp']); }
  for (let i = 0; i < RUNS; i++) {
    const pair = i % 2 ? [['plugins_0', ctl0], [`plugins_${EXTRA}`, ctlN]] : [[`plugins_${EXTRA}`, ctlN], ['plugins_0', ctl0]];
    for (const [n, fn] of pair) control[n].push(check(await fn(['hello', 'myapp']), 'Hello myapp', `control ${n}`));
  }
  const memory = { plugins_0: bare.memory(), [`plugins_${EXTRA}`]: loaded.memory() };
  await bare.stop();
  await loaded.stop();

  const fig = Object.fromEntries(names.map((n) => [n, summarize(times[n])]));
  const r = ratio(fig[`plugins_${EXTRA}`].median, fig.plugins_0.median);
  const rLast = ratio(fig[`plugins_${EXTRA}_last_plugin_command`].median, fig.plugins_0.median);
  const c0 = summarize(control.plugins_0);
  const cN = summarize(control[`plugins_${EXTRA}`]);
  log(`ssh medians: ${names.map((n) => `${n}=${fig[n].median}`).join(' ')}; control: ${c0.median} vs ${cN.median}; cpu/cmd ${JSON.stringify(cpuPerCommand)}`);
  return {
    status: 'ok',
    title: `Dispatch with 0 vs ${EXTRA} extra plugins (fresh SSH connection, \`hello myapp\`)`,
    command: 'node bench/workloads/dispatch.mjs',
    params: { runs: RUNS, warmup: WARMUP, extra_plugins: EXTRA, order: 'interleaved, rotated each round' },
    figures: {
      ssh_ms: fig,
      control_socket_ms: { plugins_0: c0, [`plugins_${EXTRA}`]: cN },
      server_cpu_ms_per_command: cpuPerCommand,
      server_start_to_banner_ms: { plugins_0: Math.round(bareStart), [`plugins_${EXTRA}`]: Math.round(loadedStart) },
      server_memory: memory,
    },
    ratios: {
      [`plugins_${EXTRA}_over_0_median`]: r,
      [`plugins_${EXTRA}_over_0_p95`]: ratio(fig[`plugins_${EXTRA}`].p95, fig.plugins_0.p95),
      [`last_plugin_command_over_0_median`]: rLast,
      [`control_socket_${EXTRA}_over_0_median`]: ratio(cN.median, c0.median),
      [`server_cpu_per_command_${EXTRA}_over_0`]: ratio(cpuPerCommand[`plugins_${EXTRA}`], cpuPerCommand.plugins_0),
    },
    targets: [target(`hello with ${EXTRA} extra plugins vs none (median)`, '≤ 1.05×', r, r <= 1.05,
      `${fig[`plugins_${EXTRA}`].median} ms vs ${fig.plugins_0.median} ms; server CPU per command ${cpuPerCommand[`plugins_${EXTRA}`]} vs ${cpuPerCommand.plugins_0} ms; control socket ${cN.median} vs ${c0.median} ms`)],
    profiles: cpuProf ? summarizeProfiles([...bare.profiles(), ...loaded.profiles()]) : undefined,
  };
});
