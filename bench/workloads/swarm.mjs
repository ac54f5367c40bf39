// Workload — deploy time to a 3-node Docker Swarm vs docker-local, in the same run: one Slipway
// server (in the swarm manager's network namespace, DOCKER_HOST at the manager's engine), the same
// Dockerfile app pushed with git to two apps, one per scheduler; time from the start of `git push`
// to the first 200 with the new content through Slipway's proxy. The cluster is the tests' harness
// (test/helpers/swarm-cluster.ts: 3 dockerd nodes in network namespaces, a registry): root only.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { distDir, log, main, nowMs, options, round, sleep, summarize, target, tempDir } from '../lib/common.mjs';

const opts = options();
const RUNS = opts.runs(4, 2);
const COMMAND = 'node bench/workloads/swarm.mjs';
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/docker/swarm-app', import.meta.url));
const TITLE = 'Deploy to a 3-node Docker Swarm vs docker-local (same server, engine and Dockerfile app; push → first 200 through the proxy)';

main('swarm', async () => {
  const { SwarmCluster, swarmProblem } = await import(path.join(distDir, '..', 'test', 'helpers', 'swarm-cluster.js'));
  const { TestServer, gitClientEnv, gitSshCommand } = await import(path.join(distDir, '..', 'test', 'helpers', 'server.js'));
  const problem = await swarmProblem();
  if (problem) {
    return { status: 'skipped', reason: problem, title: TITLE, command: COMMAND, targets: [target('swarm redeploy time vs docker-local', 'reported', null, null, `skipped: ${problem}`)] };
  }
  const cluster = await SwarmCluster.start(log);
  let server;
  try {
    server = await TestServer.start({ wrap: cluster.inNetns(), env: { DOCKER_HOST: cluster.dockerHost, SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
    const ssh = async (args) => {
      const r = await server.ssh(args);
      if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
      return r;
    };
    await ssh(['registry:set', '--global', 'server', cluster.registryAddress]);
    const home = tempDir('swarm-client');
    const env = { ...gitClientEnv(server.admin, home), GIT_SSH_COMMAND: `${cluster.inNetns().join(' ')} ${gitSshCommand(server.admin)}` };
    const figures = { cluster_start_ms: cluster.startedInMs };
    for (const scheduler of ['docker-local', 'docker-swarm']) {
      const app = `bench-${scheduler}`;
      await ssh(['apps:create', app]);
      await ssh(['builder:set', app, 'selected', 'dockerfile']);
      await ssh(['scheduler:set', app, 'selected', scheduler]);
      const work = tempDir(`swarm-${scheduler}`);
      fs.cpSync(FIXTURE, work, { recursive: true });
      const git = (args) => execa('git', args, { cwd: work, env, extendEnv: false });
      await git(['init', '-q', '-b', 'main']);
      const times = [];
      for (let i = 0; i <= RUNS; i++) {
        const marker = `bench-${scheduler}-${i}-${Date.now()}`;
        fs.writeFileSync(path.join(work, 'www', 'index.html'), `${marker}\n`);
        await git(['add', '-A']);
        await git(['commit', '-q', '-m', marker]);
        const t0 = nowMs();
        await git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/${app}`, 'main']);
        for (;;) {
          const r = await cluster.curl(['-s', '-H', `Host: ${app}.localhost`, `http://127.0.0.1:${server.httpPort}/`]);
          if (r.stdout.trim() === marker) break;
          if (nowMs() - t0 > 300_000) throw new Error(`${app} never served ${marker}`);
          await sleep(20);
        }
        times.push(nowMs() - t0);
        log(`${scheduler} ${i === 0 ? 'first deploy' : `redeploy ${i}`}: ${Math.round(times.at(-1))} ms`);
      }
      figures[scheduler] = { first_deploy_ms: round(times[0], 1), redeploy_ms: summarize(times.slice(1)) };
    }
    const local = figures['docker-local'].redeploy_ms.median;
    const swarm = figures['docker-swarm'].redeploy_ms.median;
    return {
      status: 'ok',
      title: TITLE,
      command: COMMAND,
      params: { runs: RUNS, nodes: 3, replicas: 1, routing: 'host', note: 'redeploys of a busybox httpd app; swarm adds the registry push and a start-first rolling update (monitor 3 s)' },
      figures,
      ratios: { swarm_vs_local_redeploy: round(swarm / local, 2) },
      targets: [target('swarm redeploy time vs docker-local', 'reported', round(swarm / 1000, 2), null, `swarm ${Math.round(swarm)} ms vs docker-local ${Math.round(local)} ms (median of ${RUNS}); first deploy ${Math.round(figures['docker-swarm'].first_deploy_ms)} vs ${Math.round(figures['docker-local'].first_deploy_ms)} ms; cluster up in ${cluster.startedInMs} ms`)],
    };
  } finally {
    await server?.stop().catch(() => undefined);
    await cluster.stop();
  }
});
