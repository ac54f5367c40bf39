// Workload 7 — server memory: RSS of the Slipway process idle (after start, and after a few
// commands) and while 50 exec sessions stay open (each runs a bench plugin command that prints
// "ready" and sleeps), then after they close. The OpenSSH anchor holding the same 50 sessions is
// measured too (sum of PSS over its sshd processes) for reference.
import fs from 'node:fs';
import path from 'node:path';
import { log, main, memoryOf, options, round, sleep, startProcess, stopProcess, target } from '../lib/common.mjs';
import { SlipwayServer, installPlugin } from '../lib/slipway.mjs';
import { AnchorSshd } from '../lib/sshd.mjs';
import { pluginEnvFor } from '../lib/plugin-env.mjs';
import { profileDir, summarizeProfiles } from '../lib/profile.mjs';

const opts = options();
const SESSIONS = Number(opts.get('sessions') ?? 50);
const HOLD_S = 60; // upper bound: the clients are stopped as soon as the readings are taken

const HOLD_PLUGIN = `#!/usr/bin/env bash
# bench plugin: benchhold:wait N prints "ready" then sleeps N seconds (an exec session held open).
case "$1" in
  help) echo "    benchhold:wait <seconds>, Hold an exec session open (benchmarks)" ;;
  benchhold:wait) echo ready; exec sleep "\${2:-20}" ;;
  *) exit "\${DOKKU_NOT_IMPLEMENTED_EXIT:-10}" ;;
esac
`;

/** PSS (MB) of a pid, from smaps_rollup; shared pages are split between the sharers. */
function pssOf(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch { return 0; }
}

/** The pid and every descendant whose command name is `name`. */
function treeOf(root, name) {
  const out = [];
  const walk = (pid) => {
    let comm = '';
    try { comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return; }
    if (comm.startsWith(name)) out.push(pid);
    let kids = [];
    try {
      for (const task of fs.readdirSync(`/proc/${pid}/task`)) kids.push(...fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
    } catch { /* gone */ }
    for (const k of kids) walk(k);
  };
  walk(root);
  return out;
}

/** Opens `count` held sessions; resolves the client processes once every one printed "ready". */
async function holdSessions(count, argsFor) {
  const clients = [];
  const ready = [];
  for (let i = 0; i < count; i++) {
    const proc = startProcess('ssh-hold', 'ssh', argsFor(i));
    clients.push(proc);
    ready.push(new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`session ${i} not ready after 90 s: ${proc.output}`)), 90_000);
      const check = () => { if (proc.output.includes('ready')) { clearTimeout(timer); resolve(); } };
      proc.stdout.on('data', check);
      proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`session ${i} exited ${code}: ${proc.output}`)); });
    }));
  }
  await Promise.all(ready);
  return clients;
}

async function settle(pid, ms = 2000) {
  await sleep(ms);
  return memoryOf(pid);
}

main('memory', async () => {
  const cpuProfDir = opts.cpuProf ? profileDir('memory') : undefined;
  const server = await SlipwayServer.start({
    name: 'memory', cpuProfDir,
    prepare: (home) => installPlugin(home, 'benchhold', HOLD_PLUGIN),
  });
  const afterStart = await settle(server.pid);
  await server.createApp('myapp');
  for (let i = 0; i < 5; i++) await server.ssh(['hello', 'myapp']);
  const idle = await settle(server.pid);
  log(`idle: ${JSON.stringify(idle)}`);

  const clients = await holdSessions(SESSIONS, () => server.sshArgs(['benchhold:wait', String(HOLD_S)]));
  const open = [];
  for (let i = 0; i < 5; i++) { open.push(memoryOf(server.pid)); await sleep(200); }
  const openPss = round(pssOf(server.pid), 1);
  const withSessions = { rssMB: Math.max(...open.map((m) => m.rssMB)), hwmMB: memoryOf(server.pid).hwmMB, pssMB: openPss };
  log(`${SESSIONS} sessions: ${JSON.stringify(withSessions)}`);
  await Promise.all(clients.map((c) => stopProcess(c)));
  const afterClose = await settle(server.pid, 3000);

  // Reference: OpenSSH holding the same sessions (listener + per-connection sshd processes).
  let openssh = null;
  const { env } = await pluginEnvFor(server.env());
  const holdCommands = path.join(server.home, 'lib', 'plugins', 'available', 'benchhold', 'commands');
  const started = await AnchorSshd.start({ env, commandsFile: holdCommands, authorizedKey: server.admin.publicKey, config: `MaxStartups ${SESSIONS * 2}` });
  if (started.ok) {
    const a = started.anchor;
    const idlePss = pssOf(a.pid);
    const held = await holdSessions(SESSIONS, () => ['-o', 'KexAlgorithms=curve25519-sha256', ...a.sshArgs(['benchhold:wait', String(HOLD_S)], server.admin)]);
    const pids = treeOf(a.pid, 'sshd');
    openssh = {
      version: a.version,
      idle_pss_mb: round(idlePss, 1),
      sshd_processes_with_sessions: pids.length,
      pss_mb_with_sessions: round(pids.reduce((s, p) => s + pssOf(p), 0), 1),
    };
    await Promise.all(held.map((c) => stopProcess(c)));
    await a.stop();
  }
  await server.stop();

  const idleOk = idle.rssMB <= 80;
  const openOk = withSessions.rssMB <= 200;
  return {
    status: 'ok',
    title: `Server memory idle and with ${SESSIONS} open exec sessions`,
    command: 'node bench/workloads/memory.mjs',
    params: { sessions: SESSIONS, hold_plugin: 'benchhold:wait (prints ready, sleeps)' },
    anchors: { openssh: started.ok ? { present: true, version: started.anchor.version } : { present: false, reason: started.reason } },
    figures: {
      slipway_after_start: afterStart,
      slipway_idle_after_commands: idle,
      slipway_with_sessions: withSessions,
      slipway_after_sessions_closed: afterClose,
      slipway_per_session_mb: round((withSessions.rssMB - idle.rssMB) / SESSIONS, 2),
      openssh_reference: openssh,
    },
    ratios: { slipway_pss_over_openssh_pss_with_sessions: openssh ? round(openPss / openssh.pss_mb_with_sessions, 3) : null },
    targets: [
      target('idle RSS', '≤ 80 MB', idle.rssMB, idleOk, `after start ${afterStart.rssMB} MB; after 5 commands ${idle.rssMB} MB`),
      target(`RSS with ${SESSIONS} open sessions`, '≤ 200 MB', withSessions.rssMB, openOk, `peak (VmHWM) ${withSessions.hwmMB} MB; after they closed ${afterClose.rssMB} MB`),
    ],
    profiles: cpuProfDir ? summarizeProfiles(server.profiles()) : undefined,
  };
});
