// The `docker-local` scheduler: runs each process of a release as a container of its image on
// this host's engine (`APP.TYPE.N`, restart on-failure:10, the app's config as env, PORT set),
// behind the same proxy as the process engine, and removes what it created when asked. The
// containers outlive the server; the next server adopts them.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../store/index.js';
import { dockerLocalSettings } from './settings.js';
import { isValidAppName, type AppName } from '../../names.js';
import { FAILED_START_LINES, type Generation, type GenerationSpec, type LogQuery, type OneOffSpec, type PublishReport, type ReleaseArtifact, type RunIO, type Scheduler, type SchedulerContext, type SchedulerEngine, type StartReport } from '../types.js';
import {
  ContainerNotFound, DockerUnavailable, LABEL, PREDEFINED_NETWORKS, connect, hasOwnAddress, withContainerOptions, type ContainerOptions,
  type ContainerSpec, type ContainerSummary, type DockerClient, type ImageConfig, type NetworkAttachment, type OptionNetwork,
  type RestartPolicy as DockerRestartPolicy,
} from '../../docker/index.js';
import { ConflictError, DeployFailed, SlipwayError } from '../../errors.js';
import { PortPool, LOOPBACK } from '../process/ports.js';
import { DockerGeneration, DockerInstance, type InstancePlan } from './generation.js';
import { containerCmd } from './command.js';
import { containerNames, DL_LABEL, instanceId, ownLabels, processLabels, SCHEDULER_NAME } from './naming.js';
import { envDigest, plannedIds } from '../adoption.js';
import type { RestartPolicy } from '../restart-policy.js';
import { dockerLocalOptions, type DockerLocalOptions, type NetworkMode } from './options.js';
import { readMounts, formatMount } from '../mounts.js';
import { appContainerOptions } from '../docker-options.js';
import { waitHealthy } from './health.js';
import { containerLogs, type LogSource } from './logs.js';
import { imageId, inspectApp, removeAppLeftovers, cleanupLeftovers } from './app-queries.js';
import { containerResources, type ContainerResources } from '../resources.js';
import { pushOnRelease } from '../registry-push.js';
import { appNetworks, networkAlias, type AppNetworks } from '../networks.js';

const DEFAULT_KILL_AFTER_MS = 10_000;
const REFRESH_MS = 1_000;

function imageOf(release: ReleaseArtifact): string {
  if (release.image === undefined) {
    throw new DeployFailed(
      `${release.app} v${release.version} has no image: the docker-local scheduler runs images from the dockerfile builder`,
    );
  }
  return release.image;
}

export class DockerLocalScheduler implements Scheduler {
  readonly name = SCHEDULER_NAME;
  private readonly live = new Map<AppName, Set<DockerGeneration>>();
  /** Containers a previous server left, per app, until adopt() takes them or settle() removes them. */
  private readonly leftBehind = new Map<AppName, ContainerSummary[]>();
  private readonly ports = new PortPool();
  /** The network each generation's containers were created on (attach-post-deploy needs their own address). */
  private readonly networkOf = new WeakMap<DockerGeneration, string>();
  private readonly closing = new AbortController();
  private sequence = 0;
  private refresher?: NodeJS.Timeout;
  private refreshing = false;

  constructor(
    private readonly docker: DockerClient,
    private readonly store: Store,
    private readonly log: (line: string) => void,
    private readonly options: DockerLocalOptions,
    private readonly instance: string,
  ) {}

  /**
   * At server start: keep the process containers a previous server of this installation left for
   * adopt(); remove its one-off containers (release commands, `run`: nobody waits for them).
   */
  async prepare(): Promise<void> {
    for (const c of await this.docker.listContainers(ownLabels(this.instance))) {
      const app = c.labels[LABEL.app];
      if (c.labels[LABEL.oneOff] === 'true' || c.labels[LABEL.process] === 'run' || app === undefined || !isValidAppName(app)) {
        this.log(`removing one-off container ${c.name} left by a previous server`);
        await this.docker.removeContainer(c.id, { force: true }).catch((error: Error) => this.log(`cannot remove ${c.name}: ${error.message}`));
        continue;
      }
      this.leftBehind.set(app, [...(this.leftBehind.get(app) ?? []), c]);
    }
  }

  /**
   * Take over the containers a previous server left for exactly this release, scale and config
   * (same containers, not restarted; one that stopped is started again); undefined when there
   * are none. The app's other containers from before are removed.
   */
  async adopt(spec: GenerationSpec): Promise<Generation | undefined> {
    const { release } = spec;
    const app = release.app;
    const candidates = this.leftBehind.get(app) ?? [];
    this.leftBehind.delete(app);
    const wanted = plannedIds(spec);
    const digest = envDigest(spec.env);
    const byGeneration = new Map<string, ContainerSummary[]>();
    for (const c of candidates) {
      const id = c.labels[DL_LABEL.generation] ?? '';
      byGeneration.set(id, [...(byGeneration.get(id) ?? []), c]);
    }
    let best: ContainerSummary[] | undefined;
    let bestRunning = 0;
    for (const containers of byGeneration.values()) {
      const matches = containers.every((c) => c.labels[LABEL.release] === String(release.version) && c.labels[DL_LABEL.config] === digest)
        && containers.map((c) => c.labels[DL_LABEL.dyno]).sort().join(',') === wanted.map((w) => w.id).sort().join(',')
        && containers.every((c) => c.labels[LABEL.process] !== 'web' || Number(c.labels[DL_LABEL.port]) > 0);
      const running = containers.filter((c) => c.state === 'running' || c.state === 'restarting').length;
      if (matches && running > bestRunning) [best, bestRunning] = [containers, running];
    }
    await this.removeLeft(candidates.filter((c) => !best?.includes(c)), 'it does not run the current release, scale and config');
    if (!best) return undefined;
    const members: DockerInstance[] = [];
    const generationId = best[0].labels[DL_LABEL.generation];
    const generation = new DockerGeneration(generationId, app, release.version, { ...spec.scale }, imageOf(release), members);
    for (const { type, index, id } of wanted) {
      const container = best.find((c) => c.labels[DL_LABEL.dyno] === id)!;
      const plan: InstancePlan = { type, index, dyno: id, host: LOOPBACK };
      if (type === 'web') {
        plan.port = Number(container.labels[DL_LABEL.port]);
        this.ports.claim(plan.port);
      }
      const member = new DockerInstance(plan);
      member.containerId = container.id;
      member.name = container.name;
      members.push(member);
    }
    const set = this.live.get(app) ?? new Set<DockerGeneration>();
    this.live.set(app, set);
    set.add(generation);
    for (const member of members) {
      const id = member.containerId!;
      const state = await this.docker.inspectContainer(id);
      if (!state.running && state.status !== 'restarting') await this.docker.startContainer(id);
      member.state = state.running ? state : await this.docker.inspectContainer(id);
      this.followOutput(member).catch((error: Error) => this.log(`${app} ${member.id}: cannot follow output: ${error.message}`));
    }
    this.ensureRefresher();
    return generation;
  }

  /** Once every app was restored: remove the containers a previous server left and nothing adopted. */
  async settle(): Promise<void> {
    const left = [...this.leftBehind.values()].flat();
    this.leftBehind.clear();
    await this.removeLeft(left, 'nothing adopted it');
  }

  private async removeLeft(containers: ContainerSummary[], why: string): Promise<void> {
    for (const c of containers) {
      this.log(`removing container ${c.name} left by a previous server: ${why}`);
      await this.docker.removeContainer(c.id, { force: true }).catch((error: Error) => this.log(`cannot remove ${c.name}: ${error.message}`));
    }
  }

  /** registry:set push-on-release: the release's image goes to the app's registry before it starts. */
  publish(release: ReleaseArtifact, report: PublishReport): Promise<void> {
    return pushOnRelease(this.docker, this.store, { ...release, image: imageOf(release) }, report);
  }

  async start(spec: GenerationSpec): Promise<Generation> {
    const { release } = spec;
    const app = release.app;
    const image = imageOf(release);
    const config = (await this.docker.findImage(image)).config;
    if (config === undefined) throw new DeployFailed(`cannot read how to run ${image}`);
    const binds = await this.binds(app);
    const nets = await appNetworks(this.store, app);
    const network = await this.wiredNetwork(nets, spec.report);
    const options = await appContainerOptions(this.store, app, 'deploy', optionNetwork(network));
    // resource:limit / resource:reserve, per process type; a docker option (-m, --cpus) wins over them.
    const resources: Record<string, ContainerResources> = {};
    for (const type of Object.keys(release.processTypes)) resources[type] = await containerResources(this.store, app, type);
    const tag = `g${(++this.sequence).toString(36)}${Date.now().toString(36)}`;
    const members: DockerInstance[] = [];
    const generation = new DockerGeneration(`${app}.v${release.version}.${tag}`, app, release.version, { ...spec.scale }, image, members);
    this.networkOf.set(generation, network);
    try {
      for (const type of Object.keys(release.processTypes).sort()) {
        for (let index = 1; index <= (spec.scale[type] ?? 0); index++) {
          const plan: InstancePlan = { type, index, dyno: `${type}.${index}`, host: LOOPBACK };
          if (type === 'web') plan.port = await this.ports.allocate();
          members.push(new DockerInstance(plan));
        }
      }
      const set = this.live.get(app) ?? new Set<DockerGeneration>();
      this.live.set(app, set);
      set.add(generation);
      const restart = dockerRestart(spec.restartPolicy);
      // logs:set max-size, when set: Docker's own log files rotate at it (unset: the engine's default).
      const maxSize = await this.store.logs.maxSizeSetting(app);
      const logOptions = maxSize === undefined || maxSize === 'unlimited' ? undefined : { 'max-size': maxSize };
      const settings = await dockerLocalSettings(this.store, app, config.labels);
      const wiring: Wiring = { binds, network, nets, options, restart, logOptions, resources, init: settings.init };
      // As Dokku: web first, then the other process types, parallel-schedule-count of them at once.
      const types = [...new Set(members.map((m) => m.plan.type))].sort((a, b) => Number(b === 'web') - Number(a === 'web'));
      const launchType = async (type: string) => {
        for (const member of members.filter((m) => m.plan.type === type)) await this.launch(generation, member, release, spec.env, config, wiring, tag);
      };
      if (types[0] === 'web') await launchType(types.shift()!);
      await inBatches(types, settings.parallelScheduleCount, launchType);
      this.ensureRefresher();
      const web = members.filter((m) => m.plan.type === 'web');
      if (config.healthcheck !== undefined && web.length > 0) {
        await waitHealthy(this.docker, web, config.healthcheck, this.closing.signal);
      }
      return generation;
    } catch (error) {
      if (spec.report) await this.reportOutput(members, spec.report);
      generation.stopping = this.stopGeneration(generation, 0, 0);
      await generation.stopping;
      throw error;
    }
  }

  /**
   * The network containers get: the configured one, except that an engine without a `bridge`
   * network (dockerd --bridge=none) would start them unreachable, so they use the host's instead.
   */
  private async network(report?: StartReport): Promise<NetworkMode> {
    if (this.options.network !== 'bridge' || (await this.docker.hasNetwork('bridge'))) return this.options.network;
    report?.warn(`The Docker engine at ${this.docker.host} has no bridge network: using host networking (SLIPWAY_DOCKER_NETWORK=host says so for good)`);
    return 'host';
  }

  /**
   * network:set initial-network when set (the network must exist), else the configured one; the
   * attach-post-create networks must exist and need containers with their own address.
   */
  private async wiredNetwork(nets: AppNetworks, report?: StartReport): Promise<string> {
    const network = nets.initial !== '' ? nets.initial : await this.network(report);
    if (nets.initial !== '' && nets.initial !== 'host' && nets.initial !== 'none') await this.requireNetwork(nets.initial);
    for (const name of nets.attachPostCreate) await this.requireNetwork(name);
    if (nets.attachPostCreate.length > 0) requireOwnAddress(network, nets.attachPostCreate[0]);
    return network;
  }

  private async requireNetwork(name: string): Promise<void> {
    if (PREDEFINED_NETWORKS.has(name) && name !== 'bridge') return;
    if (!(await this.docker.hasNetwork(name))) throw new SlipwayError('E_NETWORK_NOT_FOUND', `Network ${name} does not exist`, 1);
  }

  /**
   * network:set attach-post-deploy: once the new containers passed their checks, and before the
   * proxy switches to them, each joins those networks with its `APP.TYPE[.TLD]` aliases.
   */
  async deployed(generation: Generation, say: (line: string) => void): Promise<void> {
    const gen = this.own(generation);
    const nets = await appNetworks(this.store, gen.app);
    for (const name of nets.attachPostDeploy) {
      say(`Associating app with network ${name}`);
      await this.requireNetwork(name);
      requireOwnAddress(this.networkOf.get(gen) ?? 'host', name);
      for (const member of gen.members) {
        if (member.containerId === undefined) continue;
        const alias = networkAlias(gen.app, member.plan.type, nets.tld);
        await this.docker.connectNetwork(name, member.containerId, [alias, `${member.containerId.slice(0, 12)}.${alias}`]);
      }
    }
  }

  /** Each started container's last output lines, read from the engine before it is removed. */
  private async reportOutput(members: DockerInstance[], report: StartReport): Promise<void> {
    for (const member of members) {
      if (member.containerId === undefined) continue;
      const lines = await this.tail(member.containerId, FAILED_START_LINES).catch(() => [...member.info(false).recentOutput]);
      report.output(member.id, lines.slice(-FAILED_START_LINES));
    }
  }

  private async tail(containerId: string, lines: number): Promise<string[]> {
    const out: string[] = [];
    for await (const line of await this.docker.containerLogs(containerId, { tail: lines })) out.push(line.text);
    return out;
  }

  async lastOutput(generation: Generation, instance: string, lines: number): Promise<string[]> {
    const member = this.own(generation).members.find((m) => m.id === instance);
    if (member?.containerId === undefined) return [];
    return this.tail(member.containerId, lines).catch(() => [...member.info(false).recentOutput].slice(-lines));
  }

  private async binds(app: AppName): Promise<string[]> {
    const mounts = await readMounts(this.store, app);
    // A named storage entry's volume outlives every app that mounts it (only storage:destroy ends the entry).
    const entryVolumes = new Set((await this.store.storage.list()).map((e) => e.host_path));
    for (const m of mounts) {
      // A volume Slipway creates carries the app's label (apps:destroy removes it); one the user
      // made beforehand is used as it is and left alone.
      if (m.kind === 'volume') await this.docker.ensureVolume(m.source, entryVolumes.has(m.source) ? {} : { [LABEL.app]: app });
    }
    return mounts.map(formatMount);
  }

  private containerSpec(
    generation: DockerGeneration, member: DockerInstance, release: ReleaseArtifact, env: Record<string, string>,
    config: ImageConfig, wiring: Wiring,
  ): ContainerSpec {
    const { plan } = member;
    const bridge = hasOwnAddress(wiring.network);
    const containerEnv: Record<string, string> = { ...env, DYNO: plan.dyno, PS: plan.dyno };
    if (plan.port !== undefined) containerEnv.PORT = String(bridge ? this.options.containerPort : plan.port);
    const alias = networkAlias(release.app, plan.type, wiring.nets.tld);
    // network:set bind-all-interfaces true: the web port is published on every interface, not just loopback.
    const hostIp = wiring.nets.bindAllInterfaces ? '0.0.0.0' : LOOPBACK;
    const command = release.processTypes[plan.type] ?? '';
    return withContainerOptions({
      ...wiring.resources[plan.type],
      image: generation.image,
      cmd: containerCmd(config, command),
      env: containerEnv,
      labels: processLabels(this.instance, {
        app: release.app, type: plan.type, dyno: plan.dyno, version: release.version, generation: generation.id, port: plan.port, config: envDigest(env),
      }),
      network: wiring.network,
      aliases: userNetwork(wiring.network) ? [alias] : undefined,
      attach: wiring.nets.attachPostCreate.map((name): NetworkAttachment => ({ network: name, aliases: [alias], hostnameAlias: true })),
      ports: bridge && plan.port !== undefined ? [{ containerPort: this.options.containerPort, hostIp, hostPort: plan.port }] : undefined,
      binds: wiring.binds,
      restart: wiring.restart,
      logOptions: wiring.logOptions,
      init: wiring.init,
    }, wiring.options, OWN_ENV);
  }

  private async launch(
    generation: DockerGeneration, member: DockerInstance, release: ReleaseArtifact, env: Record<string, string>,
    config: ImageConfig, wiring: Wiring, tag: string,
  ): Promise<void> {
    const spec = this.containerSpec(generation, member, release, env, config, wiring);
    const [name, suffixed] = containerNames(release.app, member.plan.dyno, tag);
    try {
      member.containerId = await this.docker.createContainer({ ...spec, name });
      member.name = name;
    } catch (error) {
      // The previous generation still holds `APP.TYPE.N`: this one runs beside it under its own name.
      if (!(error instanceof ConflictError && error.code === 'E_CONTAINER_EXISTS')) throw error;
      member.containerId = await this.docker.createContainer({ ...spec, name: suffixed });
      member.name = suffixed;
    }
    await this.docker.startContainer(member.containerId);
    member.state = await this.docker.inspectContainer(member.containerId);
    member.statusText = '';
    this.followOutput(member).catch((error: Error) => this.log(`${release.app} ${member.id}: cannot follow output: ${error.message}`));
  }

  /** Keep the last lines of a container's output (shown when a deploy fails). */
  private async followOutput(member: DockerInstance): Promise<void> {
    if (member.containerId === undefined) return;
    // The last lines are all it keeps (an adopted container may have a long history).
    const stream = await this.docker.containerLogs(member.containerId, { follow: true, tail: 20 });
    member.follower = stream;
    try {
      for await (const line of stream) member.remember(line.text);
    } catch {
      // Removed while followed: the stream just ends.
    }
  }

  private ensureRefresher(): void {
    if (this.refresher) return;
    this.refresher = setInterval(() => { void this.refresh(); }, REFRESH_MS);
    this.refresher.unref();
  }

  /** One list call per tick; a container whose status text changed is inspected again. */
  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    const members = [...this.live.values()].flatMap((set) => [...set]).filter((g) => !g.stopping).flatMap((g) => g.members);
    if (members.length === 0) {
      clearInterval(this.refresher);
      this.refresher = undefined;
      return;
    }
    this.refreshing = true;
    // Only containers that existed before the list was asked for: one created while the list
    // call is on its way is not in its answer, and is not gone.
    const known = members.filter((m) => m.containerId !== undefined && !m.gone);
    try {
      const byId = new Map((await this.docker.listContainers(ownLabels(this.instance))).map((c) => [c.id, c]));
      for (const member of known) {
        if (member.containerId === undefined) continue;
        const summary = byId.get(member.containerId);
        if (summary === undefined) { member.gone = true; continue; }
        if (summary.status === member.statusText) continue;
        member.statusText = summary.status;
        try {
          member.state = await this.docker.inspectContainer(member.containerId);
        } catch (error) {
          if (error instanceof ContainerNotFound) member.gone = true;
          else throw error;
        }
      }
    } catch (error) {
      this.log(`docker-local: cannot read container states: ${(error as Error).message}`);
    } finally {
      this.refreshing = false;
    }
  }

  stop(generation: Generation, options: { graceMs?: number; killAfterMs?: number } = {}): Promise<void> {
    const gen = this.own(generation);
    gen.stopping ??= this.stopGeneration(gen, options.graceMs ?? 0, options.killAfterMs ?? DEFAULT_KILL_AFTER_MS);
    return gen.stopping;
  }

  private own(generation: Generation): DockerGeneration {
    if (!(generation instanceof DockerGeneration)) throw new Error(`generation ${generation.id} does not belong to the docker-local scheduler`);
    return generation;
  }

  private async stopGeneration(gen: DockerGeneration, graceMs: number, killAfterMs: number): Promise<void> {
    if (graceMs > 0 && !this.closing.signal.aborted) {
      await sleep(graceMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
    }
    const seconds = Math.max(0, Math.ceil(killAfterMs / 1000));
    await Promise.all(gen.members.map(async (member) => {
      const id = member.containerId;
      try {
        if (id !== undefined) {
          if (seconds > 0) await this.docker.stopContainer(id, seconds).catch(ignoreGone);
          await this.docker.removeContainer(id, { force: true }).catch(ignoreGone);
        }
      } catch (error) {
        this.log(`${gen.app} ${member.id}: cannot remove container ${member.name ?? id}: ${(error as Error).message}`);
      } finally {
        member.follower?.destroy();
        this.ports.release(member.plan.port);
      }
    }));
    const set = this.live.get(gen.app);
    set?.delete(gen);
    if (set?.size === 0) this.live.delete(gen.app);
  }

  generations(app: AppName): Generation[] {
    return [...(this.live.get(app) ?? [])].filter((g) => !g.stopping);
  }

  logs(app: AppName, query: LogQuery, write: (line: string) => void, signal: AbortSignal): Promise<void> {
    const sources = async (): Promise<LogSource[]> => [...(this.live.get(app) ?? [])]
      .filter((g) => !g.stopping)
      .flatMap((g) => g.members)
      .flatMap((m) => (m.containerId === undefined ? [] : [{ id: m.containerId, dyno: m.plan.dyno }]));
    return containerLogs({ docker: this.docker, sources, query, write, signal });
  }

  async exec(generation: Generation, instance: string, argv: readonly string[], io: RunIO, signal: AbortSignal): Promise<number> {
    const member = this.own(generation).members.find((m) => m.plan.dyno === instance);
    if (member?.containerId === undefined) throw new Error(`${generation.id} has no container for ${instance}`);
    return this.docker.execInContainer(member.containerId, { cmd: argv }, { stdout: io.stdout, stderr: io.stderr, stdin: io.stdin, signal });
  }

  async run(spec: OneOffSpec, io: RunIO, signal: AbortSignal): Promise<number> {
    const { release } = spec;
    const image = imageOf(release);
    const config = (await this.docker.findImage(image)).config;
    if (config === undefined) throw new SlipwayError('E_DOCKER', `cannot read how to run ${image}`, 1);
    const suffix = randomBytes(3).toString('hex');
    // The name keeps a random part: several installations may share one engine (names are its own).
    const dyno = spec.dyno ?? `run.${suffix}`;
    const nets = await appNetworks(this.store, release.app);
    const network = await this.wiredNetwork(nets);
    // `run` gets the run phase's options; the release command, like Dokku's, the deploy phase's.
    const options = await appContainerOptions(this.store, release.app, spec.phase ?? 'run', optionNetwork(network));
    const result = await this.docker.runOneOff(withContainerOptions({
      image,
      name: `${release.app}.${dyno}${spec.dyno === undefined ? '' : `.${suffix}`}`,
      cmd: containerCmd(config, spec.command),
      env: { ...spec.env, DYNO: dyno, PS: dyno },
      labels: processLabels(this.instance, { app: release.app, type: 'run', dyno, version: release.version, generation: dyno }),
      network,
      // Dokku's run phase: attach-post-create networks, without the deploy phase's aliases.
      attach: nets.attachPostCreate.map((name) => ({ network: name, aliases: [] })),
      binds: await this.binds(release.app),
      init: (await dockerLocalSettings(this.store, release.app, config.labels)).init,
    }, options, OWN_ENV), { stdout: io.stdout, stderr: io.stderr, stdin: io.stdin, signal });
    return result.exitCode;
  }

  async destroy(app: AppName, options: { killAfterMs?: number } = {}): Promise<void> {
    this.leftBehind.delete(app); // removed below with the rest of the app's containers
    await Promise.all([...(this.live.get(app) ?? [])].map((g) => this.stop(g, { killAfterMs: options.killAfterMs ?? 5_000 })));
    // One-offs still running, and anything else of the app this installation started.
    for (const c of await this.docker.listContainers({ ...ownLabels(this.instance), [LABEL.app]: app })) {
      await this.docker.removeContainer(c.id, { force: true }).catch(ignoreGone);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    clearInterval(this.refresher);
    this.refresher = undefined;
    const all = [...this.live.values()].flatMap((set) => [...set]);
    await Promise.all(all.map((g) => this.stop(g, { killAfterMs: 5_000 })));
  }

  /** Server stop: the containers keep running (the engine restarts them on failure). */
  async detach(): Promise<void> {
    this.closing.abort();
    clearInterval(this.refresher);
    this.refresher = undefined;
    const all = [...this.live.values()].flatMap((set) => [...set]);
    await Promise.all(all.flatMap((g) => (g.stopping ? [g.stopping] : [])));
    for (const member of all.flatMap((g) => g.members)) member.follower?.destroy();
    this.live.clear();
  }
}

/** How a generation's containers reach the world: their network, mounts and docker options. */
interface Wiring { network: string; nets: AppNetworks; binds: string[]; options: ContainerOptions; restart: DockerRestartPolicy; logOptions?: Record<string, string>; resources: Record<string, ContainerResources>; init: boolean }

/** ps:set restart-policy in Docker's terms; Dokku's on-failure:10 when none is given. */
function dockerRestart(policy: RestartPolicy | undefined): DockerRestartPolicy {
  if (!policy) return { onFailure: 10 };
  return policy.kind === 'on-failure' ? { onFailure: policy.max } : policy.kind;
}

/** Runs `work` over the items, at most `limit` at a time; the first failure is thrown once all started ones ended. */
async function inBatches<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const failures: unknown[] = [];
  const worker = async () => {
    // After a failure no new item starts; those in flight finish (Dokku skips the unscheduled ones).
    while (queue.length > 0 && failures.length === 0) await work(queue.shift()!).catch((error: unknown) => { failures.push(error); });
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failures.length > 0) throw failures[0];
}

/** How docker-options are checked for containers on `network`: links and ports need their own address. */
function optionNetwork(network: string): OptionNetwork {
  return hasOwnAddress(network) ? 'bridge' : 'host';
}

/** A user-defined network: the only kind Docker gives aliases on. */
function userNetwork(network: string): boolean {
  return !PREDEFINED_NETWORKS.has(network);
}

/** A container on host networking shares the host's stack: Docker cannot connect it to another network. */
function requireOwnAddress(network: string, attach: string): void {
  if (hasOwnAddress(network)) return;
  throw new SlipwayError('E_NETWORK_ATTACH',
    `Cannot attach network ${attach}: the app's containers use ${network} networking (set network:set APP initial-network to a network first)`, 1);
}

/** Variables Slipway sets in every container: an option's `-e` never replaces them. */
const OWN_ENV = ['DYNO', 'PS', 'PORT'];

function ignoreGone(error: unknown): void {
  if (!(error instanceof ContainerNotFound)) throw error;
}

export const dockerLocalEngine: SchedulerEngine = {
  name: SCHEDULER_NAME,
  needs: 'Docker',
  inspect: (ctx, app) => inspectApp(ctx.store.settings, app),
  imageId,
  removeApp: removeAppLeftovers,
  cleanup: cleanupLeftovers,
  async available() {
    try {
      return await connect().ping(3_000);
    } catch {
      return false; // DOCKER_HOST does not even parse: not available here
    }
  },
  async create(ctx: SchedulerContext) {
    const options = dockerLocalOptions();
    const docker = connect();
    if (!(await docker.ping(5_000))) throw new DockerUnavailable(docker.host);
    if (options.network === 'bridge' && !(await docker.hasNetwork('bridge'))) {
      ctx.log(`docker-local: the engine at ${docker.host} has no bridge network; apps run with host networking (set SLIPWAY_DOCKER_NETWORK=host)`);
    }
    const scheduler = new DockerLocalScheduler(docker, ctx.store, ctx.log, options, instanceId(ctx.store.settings.home));
    await scheduler.prepare();
    return scheduler;
  },
};
