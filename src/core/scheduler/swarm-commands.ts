// scheduler-docker-swarm:* — the cluster behind the docker-swarm scheduler: report (swarm state,
// nodes, routing mode, an app's placement constraints), nodes, init (make this engine a swarm
// manager, or show how others join) and set (placement-constraints per app, routing-mode global).
import { runReport, type ReportRows } from '../report/run-report.js';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { out, requireArgs, scopeArg } from '../shared/invocation.js';
import { log } from '../../log.js';
import { GLOBAL } from '../../store/index.js';
import type { AppName } from '../../names.js';
import { shown } from '../../names.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { DockerUnavailable, connect, type DockerClient, type SwarmNodeInfo } from '../../docker/index.js';
import { ROUTING_MODES, SWARM_PLUGIN, routingMode } from '../../scheduler/docker-swarm/settings.js';

const SET_USAGE = 'scheduler-docker-swarm:set (<app>|--global) <key> [<value>]';
const TYPE = 'scheduler-docker-swarm';

async function engine(): Promise<DockerClient> {
  const docker = connect();
  if (!(await docker.ping(5_000))) throw new DockerUnavailable(docker.host);
  return docker;
}

function nodeLine(n: SwarmNodeInfo): string {
  return `${n.hostname} ${n.role}${n.leader ? ' (leader)' : ''} ${n.state} ${n.availability} ${n.address}`;
}

async function clusterRows(): Promise<ReportRows> {
  const docker = connect();
  if (!(await docker.ping(3_000))) {
    return [[`--${TYPE}-swarm-state`, `Docker does not answer at ${docker.host}`], [`--${TYPE}-manager`, 'false'], [`--${TYPE}-nodes`, '']];
  }
  const state = await docker.swarm.state();
  const nodes = state.manager ? await docker.swarm.nodes() : [];
  return [
    [`--${TYPE}-swarm-state`, state.state],
    [`--${TYPE}-manager`, String(state.manager)],
    [`--${TYPE}-node-address`, state.nodeAddr],
    [`--${TYPE}-nodes`, nodes.map(nodeLine).join(', ')],
  ];
}

async function routingRows(services: Services): Promise<ReportRows> {
  const routing = await routingMode(services.store);
  return [
    [`--${TYPE}-computed-routing-mode`, `${routing.mode} (${routing.reason})`],
    [`--${TYPE}-global-routing-mode`, (await services.store.properties.get(SWARM_PLUGIN, GLOBAL, 'routing-mode')) ?? ''],
  ];
}

async function appRows(services: Services, app: AppName): Promise<ReportRows> {
  return [
    [`--${TYPE}-placement-constraints`, (await services.store.properties.get(SWARM_PLUGIN, app, 'placement-constraints')) ?? ''],
    ...await routingRows(services),
    ...await clusterRows(),
  ];
}

function report(inv: Invocation, services: Services): Promise<void> {
  return runReport(inv, services, {
    type: TYPE,
    app: (app) => appRows(services, app),
    global: async () => [...await routingRows(services), ...await clusterRows()],
  });
}

async function nodes(inv: Invocation): Promise<void> {
  const docker = await engine();
  const state = await docker.swarm.state();
  if (!state.manager) throw new SlipwayError('E_SCHEDULER', `The Docker engine at ${docker.host} is not a swarm manager (swarm state ${state.state})`, 1);
  for (const n of await docker.swarm.nodes()) inv.io.stdout.write(`${nodeLine(n)}\n`);
}

async function init(inv: Invocation): Promise<void> {
  const advertise = inv.options.values.get('--advertise-addr');
  const docker = await engine();
  let state = await docker.swarm.state();
  if (state.state === 'inactive') {
    log.info1(out(inv), `Initializing a swarm on ${docker.host}${advertise ? ` (advertising ${advertise})` : ''}`);
    await docker.swarm.init(advertise);
    state = await docker.swarm.state();
  } else if (!state.manager) {
    throw new SlipwayError('E_SCHEDULER', `The Docker engine at ${docker.host} is a swarm worker: run scheduler-docker-swarm:init against a manager`, 1);
  } else {
    log.info1(out(inv), `${docker.host} is already a swarm manager`);
  }
  const tokens = await docker.swarm.joinTokens();
  const address = `${advertise ?? state.nodeAddr}:2377`;
  log.info1(out(inv), 'To add a worker, run on it:');
  log.verbose(out(inv), `docker swarm join --token ${tokens.worker} ${address}`);
  log.info1(out(inv), 'To add a manager, run on it:');
  log.verbose(out(inv), `docker swarm join --token ${tokens.manager} ${address}`);
}

async function set(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 2, SET_USAGE);
  const scope = await scopeArg(services, inv.args[0]);
  const key = inv.args[1];
  const keys = scope === GLOBAL ? ['routing-mode'] : ['placement-constraints'];
  if (!keys.includes(key)) throw new UsageError(`Invalid key '${shown(key)}'; valid ${scope === GLOBAL ? 'global ' : ''}keys: ${keys.join(', ')}`);
  const value = inv.args.slice(2).join(' ').trim();
  if (value === '') {
    log.info1(out(inv), `Unsetting ${key}`);
    await services.store.properties.delete(SWARM_PLUGIN, scope, key);
    return;
  }
  if (key === 'routing-mode' && !(ROUTING_MODES as readonly string[]).includes(value)) {
    throw new UsageError(`Invalid routing-mode ${shown(value)}; valid: ${ROUTING_MODES.join(', ')}`);
  }
  if (key === 'placement-constraints' && !value.split(',').every((c) => /^\s*[A-Za-z0-9_.-]+\s*(==|!=)\s*[^,\s]+\s*$/.test(c))) {
    throw new UsageError(`Invalid placement constraints ${shown(value)}: Swarm's form, e.g. node.labels.region==eu,node.role!=manager`);
  }
  log.info1(out(inv), `Setting ${key} to ${value}`);
  await services.store.properties.set(SWARM_PLUGIN, scope, key, value);
  log.verbose(out(inv), 'Takes effect on the next deploy, ps:restart or ps:rebuild');
}

export const swarmCommands: CommandSet = {
  plugin: 'scheduler-docker-swarm',
  summary: 'The Docker Swarm cluster behind the docker-swarm scheduler',
  access: { who: 'app' },
  commands: [
    { name: 'scheduler-docker-swarm:report', help: { usage: `${TYPE}:report [<app>] [<flag>]`, description: 'Display the swarm, its nodes, the routing mode and an app\'s placement' }, run: report },
    { name: 'scheduler-docker-swarm:nodes', access: { who: 'admin' }, help: { usage: `${TYPE}:nodes`, description: 'List the swarm\'s nodes: hostname, role, state, availability, address' }, run: (inv) => nodes(inv) },
    { name: 'scheduler-docker-swarm:init', access: { who: 'admin' }, options: ['--advertise-addr='], help: { usage: `${TYPE}:init [--advertise-addr <addr>]`, description: 'Make the engine a swarm manager (if it is not), and show how nodes join' }, run: (inv) => init(inv) },
    { name: 'scheduler-docker-swarm:set', help: { usage: SET_USAGE, description: 'Set or clear placement-constraints (app) or routing-mode auto|host|ingress (--global)' }, run: set },
  ],
};
