// The `docker-swarm` scheduler: Slipway stays the control plane (git, builds, config, proxy) and
// Docker Swarm places and keeps the containers. A deploy pushes the release image to the app's
// registry (registry:set), then creates or updates one service per process type (`APP-web`,
// labelled com.slipway.*): config as env, ps:scale as replicas, restart on failure, placement
// constraints, and a rolling update (start-first, rollback on failure: the old tasks keep serving
// and the deploy fails). Web tasks publish a port, on their node (host mode) or through the routing
// mesh (ingress), and a new port per update so old and new tasks can run side by side on one node.
// The proxy routes to the running tasks and follows them (a poll each second) without a restart.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../store/index.js';
import type { AppName } from '../../names.js';
import { isValidAppName } from '../../names.js';
import type {
  Generation, GenerationSpec, InstanceInfo, InstanceState, LogQuery, OneOffSpec, ReleaseArtifact, RunIO, Scheduler, SchedulerContext, SchedulerEngine, StartReport,
} from '../types.js';
import { FAILED_START_LINES } from '../types.js';
import {
  LABEL, connect, type DockerClient, type RegistryAuth, type ServiceInfo, type ServiceSpec, type SwarmNodeInfo, type TaskInfo,
} from '../../docker/index.js';
import { DeployFailed, SlipwayError } from '../../errors.js';
import { containerCmd } from '../docker-local/command.js';
import { instanceId } from '../docker-local/naming.js';
import { envDigest } from '../adoption.js';
import { loginFor, registrySettings, remoteRef } from '../registry-settings.js';
import { placementConstraints, routingMode, type RoutingMode } from './settings.js';
import { containerResources, serviceResources } from '../resources.js';

export const SWARM_SCHEDULER = 'docker-swarm';

export const SW_LABEL = {
  scheduler: 'com.slipway.scheduler',
  instance: 'com.slipway.instance',
  /** One per service spec Slipway wrote: tasks carry it, so a deploy knows its own tasks. */
  generation: 'com.slipway.generation',
  /** Digest of everything but the replica count: equal means a scale, not a new rollout. */
  spec: 'com.slipway.spec',
  config: 'com.slipway.config',
} as const;

/** The port every web task listens on inside its container ($PORT). */
export const CONTAINER_PORT = 5000;
/** Published ports are taken from here up, one per web service spec (old and new side by side). */
const FIRST_PUBLISHED_PORT = 20000;
const POLL_MS = 1_000;
const CONVERGE_TIMEOUT_MS = 180_000;
const SECOND = 1_000_000_000;

/** `APP-TYPE`: a Swarm service name (letters, digits and dashes). */
export function serviceName(app: AppName, type: string): string {
  return `${app}-${type.replace(/[^A-Za-z0-9-]/g, '-')}`;
}

/** The labels on every service Slipway creates here (this installation's). */
export function ownServiceLabels(instance: string): Record<string, string> {
  return { [LABEL.managed]: 'true', [SW_LABEL.scheduler]: SWARM_SCHEDULER, [SW_LABEL.instance]: instance };
}

function taskState(task: TaskInfo): InstanceState {
  if (task.state === 'running') return 'running';
  if (['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting'].includes(task.state)) return 'starting';
  if (['failed', 'rejected'].includes(task.state)) return 'crashed';
  return task.desiredState === 'running' ? 'starting' : 'stopped';
}

interface AppState {
  generations: SwarmGeneration[];
  /** The app's services by process type, as last read. */
  services: Map<string, ServiceInfo>;
  tasks: TaskInfo[];
  listeners: Set<() => void>;
  /** What the listeners last saw (the running web tasks' addresses). */
  signature: string;
}

export class SwarmGeneration implements Generation {
  constructor(
    readonly id: string,
    readonly app: AppName,
    readonly version: number,
    readonly scale: Record<string, number>,
    private readonly owner: DockerSwarmScheduler,
  ) {}

  instances(): InstanceInfo[] { return this.owner.instancesOf(this.app); }

  /** Called whenever the app's running tasks change (a node lost, a task rescheduled, a rollout). */
  watch(onChange: () => void): () => void { return this.owner.watch(this.app, onChange); }
}

export class DockerSwarmScheduler implements Scheduler {
  readonly name = SWARM_SCHEDULER;
  private readonly apps = new Map<AppName, AppState>();
  private nodes = new Map<string, SwarmNodeInfo>();
  private poller?: NodeJS.Timeout;
  private polling = false;
  private readonly closing = new AbortController();

  constructor(
    private readonly docker: DockerClient,
    private readonly store: Store,
    private readonly log: (line: string) => void,
    private readonly instance: string,
  ) {}

  private state(app: AppName): AppState {
    let state = this.apps.get(app);
    if (!state) {
      state = { generations: [], services: new Map(), tasks: [], listeners: new Set(), signature: '' };
      this.apps.set(app, state);
    }
    return state;
  }

  // ---- what the proxy and the checks see ----

  instancesOf(app: AppName): InstanceInfo[] {
    const state = this.apps.get(app);
    if (!state) return [];
    const typeOf = new Map([...state.services].map(([type, s]) => [s.id, type]));
    const published = new Map([...state.services].map(([, s]) => [s.id, s.spec.EndpointSpec?.Ports?.[0]]));
    const out: InstanceInfo[] = [];
    for (const task of state.tasks) {
      const type = typeOf.get(task.serviceId);
      if (type === undefined || task.desiredState !== 'running') continue;
      const node = this.nodes.get(task.nodeId);
      const port = type === 'web'
        ? (task.ports[0]?.published ?? (published.get(task.serviceId)?.PublishMode === 'ingress' ? published.get(task.serviceId)?.PublishedPort : undefined))
        : undefined;
      out.push({
        id: `${type}.${task.slot}`, type, index: task.slot, state: taskState(task), host: node?.address ?? '', port, exits: 0,
        startedAt: task.updatedAt, recentOutput: [],
      });
    }
    return out.sort((a, b) => a.type.localeCompare(b.type) || a.index - b.index);
  }

  watch(app: AppName, onChange: () => void): () => void {
    const state = this.state(app);
    state.listeners.add(onChange);
    this.ensurePoller();
    return () => state.listeners.delete(onChange);
  }

  private ensurePoller(): void {
    if (this.poller || this.closing.signal.aborted) return;
    this.poller = setInterval(() => { void this.poll(); }, POLL_MS);
    this.poller.unref();
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    const apps = [...this.apps].filter(([, s]) => s.generations.length > 0 || s.listeners.size > 0).map(([app]) => app);
    if (apps.length === 0) {
      clearInterval(this.poller);
      this.poller = undefined;
      return;
    }
    this.polling = true;
    try {
      await this.refreshNodes();
      for (const app of apps) await this.refresh(app);
    } catch (error) {
      this.log(`docker-swarm: cannot read task states: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private async refreshNodes(): Promise<void> {
    this.nodes = new Map((await this.docker.swarm.nodes()).map((n) => [n.id, n]));
  }

  /** Read the app's services and tasks again; tell the listeners when the running web tasks changed. */
  private async refresh(app: AppName): Promise<void> {
    const state = this.state(app);
    const services = await this.docker.swarm.services({ ...ownServiceLabels(this.instance), [LABEL.app]: app });
    state.services = new Map(services.map((s) => [s.labels[LABEL.process] ?? '', s]));
    const tasks: TaskInfo[] = [];
    for (const service of services) tasks.push(...await this.docker.swarm.tasks({ service: service.id }));
    state.tasks = tasks;
    const signature = this.instancesOf(app).filter((i) => i.type === 'web' && i.state === 'running').map((i) => `${i.host}:${i.port}`).sort().join(',');
    if (signature !== state.signature) {
      state.signature = signature;
      for (const listener of state.listeners) {
        try { listener(); } catch (error) { this.log(`docker-swarm: ${app}: ${(error as Error).message}`); }
      }
    }
  }

  // ---- deploys ----

  /** Refuse clearly when the engine is no swarm manager (services can only be made there). */
  async requireManager(): Promise<void> {
    const swarm = await this.docker.swarm.state();
    if (swarm.state !== 'active') {
      throw new SlipwayError('E_SCHEDULER', `The Docker engine at ${this.docker.host} is not part of a swarm (state ${swarm.state}): run scheduler-docker-swarm:init, or docker swarm init on it`, 1);
    }
    if (!swarm.manager) {
      throw new SlipwayError('E_SCHEDULER', `The Docker engine at ${this.docker.host} is a swarm worker, not a manager: point DOCKER_HOST at a manager node`, 1);
    }
  }

  /** Tag the release image for the app's registry and push it there; the remote reference. */
  private async push(release: ReleaseArtifact): Promise<{ ref: string; auth?: RegistryAuth }> {
    const image = release.image;
    if (image === undefined) {
      throw new DeployFailed(`${release.app} v${release.version} has no image: the docker-swarm scheduler runs images (builder:set ${release.app} selected dockerfile)`);
    }
    const settings = await registrySettings(this.store, release.app);
    if (settings.server === '') {
      throw new DeployFailed(`The docker-swarm scheduler needs a registry every node can pull from: registry:set ${release.app} server HOST[:PORT] (or --global)`);
    }
    const ref = remoteRef(settings, String(release.version));
    const auth = await loginFor(this.store, release.app, settings.server);
    await this.docker.tagImage(image, ref);
    this.log(`docker-swarm: pushing ${ref}`);
    await this.docker.swarm.push(ref, auth);
    return { ref, auth };
  }

  /** Ports the cluster's Slipway services publish now or did in their previous spec. */
  private async usedPorts(): Promise<Set<number>> {
    const used = new Set<number>();
    for (const s of await this.docker.swarm.services({ [SW_LABEL.scheduler]: SWARM_SCHEDULER })) {
      for (const spec of [s.spec, s.previousSpec]) for (const p of spec?.EndpointSpec?.Ports ?? []) used.add(p.PublishedPort);
    }
    return used;
  }

  private async freePort(): Promise<number> {
    const used = await this.usedPorts();
    let port = FIRST_PUBLISHED_PORT;
    while (used.has(port)) port++;
    return port;
  }

  private async serviceSpec(
    spec: GenerationSpec, type: string, image: string, routing: RoutingMode, generation: string, port: number | undefined,
  ): Promise<{ spec: ServiceSpec; digest: string }> {
    const { release } = spec;
    const config = (await this.docker.findImage(release.image!)).config;
    if (config === undefined) throw new DeployFailed(`cannot read how to run ${release.image}`);
    const args = containerCmd(config, release.processTypes[type] ?? '');
    const env: Record<string, string> = { ...spec.env, DYNO: `${type}.{{.Task.Slot}}`, PS: `${type}.{{.Task.Slot}}` };
    if (type === 'web') env.PORT = String(CONTAINER_PORT);
    const constraints = await placementConstraints(this.store, release.app);
    const resources = serviceResources(await containerResources(this.store, release.app, type));
    const labels = {
      ...ownServiceLabels(this.instance), [LABEL.app]: release.app, [LABEL.process]: type, [LABEL.release]: String(release.version),
      [SW_LABEL.config]: envDigest(spec.env),
    };
    const body: ServiceSpec = {
      Name: serviceName(release.app, type),
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: image,
          ...(args === undefined ? {} : { Args: args }),
          Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
          Labels: { ...labels, [SW_LABEL.generation]: generation },
          Init: true,
          StopGracePeriod: 5 * SECOND,
        },
        RestartPolicy: { Condition: 'on-failure', Delay: SECOND, MaxAttempts: 10 },
        Placement: { Constraints: constraints },
        ...(resources === undefined ? {} : { Resources: resources }),
      },
      Mode: { Replicated: { Replicas: spec.scale[type] ?? 0 } },
      UpdateConfig: { Parallelism: 1, Delay: 0, FailureAction: 'rollback', Monitor: 3 * SECOND, MaxFailureRatio: 0, Order: 'start-first' },
      RollbackConfig: { Parallelism: 0, Delay: 0, FailureAction: 'pause', Monitor: 3 * SECOND, MaxFailureRatio: 0, Order: 'start-first' },
      EndpointSpec: port === undefined
        ? { Mode: routing === 'host' ? 'dnsrr' : 'vip' }
        : { Mode: routing === 'host' ? 'dnsrr' : 'vip', Ports: [{ Protocol: 'tcp', TargetPort: CONTAINER_PORT, PublishedPort: port, PublishMode: routing }] },
    };
    // Everything that makes a new rollout: not the replicas, the port or the generation label.
    const digest = createHash('sha256').update(JSON.stringify({
      image, args, env, constraints, routing, restart: body.TaskTemplate.RestartPolicy, resources,
    })).digest('hex').slice(0, 16);
    body.Labels[SW_LABEL.spec] = digest;
    return { spec: body, digest };
  }

  async start(spec: GenerationSpec): Promise<Generation> {
    const { release } = spec;
    const app = release.app;
    await this.requireManager();
    const routing = (await routingMode(this.store)).mode;
    const { ref, auth } = await this.push(release);
    await this.refreshNodes();
    const state = this.state(app);
    await this.refresh(app);
    const generation = `g${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const changed: Array<{ service: ServiceInfo; created: boolean; type: string }> = [];
    try {
      for (const type of Object.keys(release.processTypes).sort()) {
        const replicas = spec.scale[type] ?? 0;
        const existing = state.services.get(type);
        if (replicas === 0) {
          if (existing) {
            this.log(`docker-swarm: ${app}: removing service ${existing.name} (scaled to 0)`);
            await this.docker.swarm.removeService(existing.id);
          }
          continue;
        }
        const oldPort = existing?.spec.EndpointSpec?.Ports?.[0]?.PublishedPort;
        // A scale keeps the spec (and its port); anything else is a rollout on a new port.
        const probe = await this.serviceSpec(spec, type, ref, routing, generation, type === 'web' ? oldPort ?? 0 : undefined);
        if (existing && existing.labels[SW_LABEL.spec] === probe.digest && existing.spec.Mode.Replicated.Replicas !== replicas) {
          const scaled: ServiceSpec = { ...existing.spec, Mode: { Replicated: { Replicas: replicas } } };
          await this.docker.swarm.updateService(existing.id, existing.version, scaled, { auth });
          await this.converge(app, type, existing.spec.TaskTemplate.ContainerSpec.Labels?.[SW_LABEL.generation] ?? '', replicas, false);
          continue;
        }
        const port = type === 'web' ? await this.freePort() : undefined;
        const { spec: body } = await this.serviceSpec(spec, type, ref, routing, generation, port);
        if (existing) {
          body.TaskTemplate.ForceUpdate = (existing.spec.TaskTemplate.ForceUpdate ?? 0) + 1;
          changed.push({ service: existing, created: false, type });
          await this.docker.swarm.updateService(existing.id, existing.version, body, { auth });
          await this.converge(app, type, generation, replicas, true);
        } else {
          await this.docker.swarm.createService(body, auth);
          await this.refresh(app);
          const created = state.services.get(type);
          if (created) changed.push({ service: created, created: true, type });
          await this.converge(app, type, generation, replicas, false);
        }
      }
    } catch (error) {
      if (spec.report) await this.reportTasks(app, spec.report);
      await this.undo(app, changed);
      throw error instanceof SlipwayError ? error : new DeployFailed((error as Error).message, { cause: error });
    }
    await this.refresh(app);
    const gen = new SwarmGeneration(`${app}.v${release.version}.${generation}`, app, release.version, { ...spec.scale }, this);
    state.generations.push(gen);
    this.ensurePoller();
    return gen;
  }

  /**
   * Wait until the service runs `replicas` tasks of `generation` and nothing older; a rollout that
   * Swarm rolled back (or paused), or tasks that keep failing, fail the deploy.
   */
  private async converge(app: AppName, type: string, generation: string, replicas: number, rollout: boolean): Promise<void> {
    const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
    const state = this.state(app);
    // The update status of an earlier rollout stays until Swarm starts this one.
    let started = !rollout;
    for (;;) {
      await this.refreshNodes();
      await this.refresh(app);
      const service = state.services.get(type);
      if (!service) throw new DeployFailed(`service ${serviceName(app, type)} disappeared during the deploy`);
      const tasks = state.tasks.filter((t) => t.serviceId === service.id);
      const mine = tasks.filter((t) => t.labels[SW_LABEL.generation] === generation);
      const running = mine.filter((t) => t.state === 'running' && t.desiredState === 'running').length;
      const others = tasks.filter((t) => t.labels[SW_LABEL.generation] !== generation && t.desiredState === 'running').length;
      const update = service.updateState;
      started ||= update === 'updating' || mine.length > 0;
      if (started && (update === 'rollback_started' || update === 'rollback_completed' || update === 'rollback_paused' || update === 'paused')) {
        throw new DeployFailed(`${service.name}: the rolling update failed and Swarm rolled it back (${service.updateMessage ?? update}); the previous tasks keep serving${failures(mine)}`);
      }
      const failed = mine.filter((t) => t.state === 'failed' || t.state === 'rejected');
      if (!rollout && failed.length >= Math.max(3, replicas)) {
        throw new DeployFailed(`${service.name}: tasks keep failing${failures(mine)}`);
      }
      const done = running >= replicas && others === 0 && (!rollout || update === undefined || update === 'completed');
      if (done) return;
      if (Date.now() > deadline || this.closing.signal.aborted) {
        const pending = mine.filter((t) => t.desiredState === 'running' && t.state !== 'running').map((t) => `${t.state}: ${t.error || t.message}`);
        throw new DeployFailed(`${service.name}: ${running}/${replicas} tasks running after ${CONVERGE_TIMEOUT_MS / 1000}s${pending.length ? ` (${[...new Set(pending)].join('; ')})` : ''}`);
      }
      await sleep(500);
    }
  }

  /** After a failed deploy: roll back the services it updated, remove those it created. */
  private async undo(app: AppName, changed: Array<{ service: ServiceInfo; created: boolean; type: string }>): Promise<void> {
    for (const { service, created, type } of changed.reverse()) {
      try {
        if (created) {
          await this.docker.swarm.removeService(service.id);
          continue;
        }
        const now = await this.docker.swarm.service(service.id);
        if (!now || (now.updateState ?? '').startsWith('rollback')) continue; // Swarm rolled it back itself
        await this.docker.swarm.updateService(now.id, now.version, now.spec, { rollback: true });
        this.log(`docker-swarm: ${app}: rolled ${serviceName(app, type)} back to its previous spec`);
      } catch (error) {
        this.log(`docker-swarm: ${app}: cannot undo ${service.name}: ${(error as Error).message}`);
      }
    }
    await this.refresh(app).catch(() => undefined);
  }

  /** The last output of the app's failed tasks (service logs), for the pusher. */
  private async reportTasks(app: AppName, report: StartReport): Promise<void> {
    const state = this.state(app);
    for (const [type, service] of state.services) {
      const failed = state.tasks.filter((t) => t.serviceId === service.id && (t.state === 'failed' || t.state === 'rejected'));
      if (failed.length === 0) continue;
      const lines: string[] = [];
      try {
        for await (const line of await this.docker.swarm.serviceLogs(service.id, { tail: FAILED_START_LINES })) lines.push(line.text);
      } catch {
        // no logs to show
      }
      report.output(`${type}.${failed[0].slot}`, lines.slice(-FAILED_START_LINES));
    }
  }

  async lastOutput(generation: Generation, instance: string, lines: number): Promise<string[]> {
    const state = this.apps.get(generation.app);
    const [type, slot] = instance.split('.');
    const service = state?.services.get(type);
    if (!service) return [];
    const out: string[] = [];
    const task = state!.tasks.find((t) => t.serviceId === service.id && String(t.slot) === slot)?.id;
    try {
      for await (const line of await this.docker.swarm.serviceLogs(service.id, { tail: lines * 3 })) {
        if (task === undefined || line.task === task) out.push(line.text);
      }
    } catch {
      return [];
    }
    return out.slice(-lines);
  }

  stop(generation: Generation, _options?: { graceMs?: number; killAfterMs?: number }): Promise<void> {
    return this.stopGeneration(this.own(generation));
  }

  private own(generation: Generation): SwarmGeneration {
    if (!(generation instanceof SwarmGeneration)) throw new Error(`generation ${generation.id} does not belong to the docker-swarm scheduler`);
    return generation;
  }

  /**
   * An older generation is simply forgotten (its services already run the newer spec). The
   * newest one stopping means its deploy failed after start(): back to the previous spec, or,
   * with nothing before it, the app's services go.
   */
  private async stopGeneration(gen: SwarmGeneration): Promise<void> {
    const state = this.apps.get(gen.app);
    if (!state) return;
    const newest = state.generations.at(-1) === gen;
    state.generations = state.generations.filter((g) => g !== gen);
    if (!newest) return;
    await this.refresh(gen.app);
    if (state.generations.length === 0) {
      await this.removeServices(gen.app);
      return;
    }
    for (const [type, service] of state.services) {
      if (!service.previousSpec) continue;
      await this.docker.swarm.updateService(service.id, service.version, service.spec, { rollback: true });
      this.log(`docker-swarm: ${gen.app}: rolled ${serviceName(gen.app, type)} back to its previous spec`);
    }
  }

  private async removeServices(app: AppName): Promise<void> {
    for (const service of await this.docker.swarm.services({ ...ownServiceLabels(this.instance), [LABEL.app]: app })) {
      await this.docker.swarm.removeService(service.id);
    }
  }

  generations(app: AppName): Generation[] {
    return [...(this.apps.get(app)?.generations ?? [])];
  }

  /**
   * `TIME app[web.1]: text` from the services' logs (Swarm collects them from every node). Following
   * (`logs -t`) also picks up services created after it began (ps:start, a new process type, a scale
   * from 0), whose lines it reads from their start, until the client leaves.
   */
  async logs(app: AppName, query: LogQuery, write: (line: string) => void, signal: AbortSignal): Promise<void> {
    await this.refresh(app);
    const state = this.state(app);
    let slotOf = new Map<string, number>();
    const slot = (task: string | undefined): number | string => {
      if (task === undefined) return '?';
      // Tasks started since the last look (a rollout, a rescheduled task) get their slot from the latest refresh.
      if (!slotOf.has(task)) slotOf = new Map(state.tasks.map((t) => [t.id, t.slot]));
      return slotOf.get(task) ?? '?';
    };
    const wanted = (type: string): boolean => query.type === undefined || query.type === type || query.type.startsWith(`${type}.`);
    const format = (type: string, line: { time?: string; text: string; task?: string }): string | undefined => {
      const dyno = `${type}.${slot(line.task)}`;
      if (query.type !== undefined && query.type.includes('.') && dyno !== query.type) return undefined;
      const date = line.time === undefined ? new Date() : new Date(line.time);
      return `${Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString()} app[${dyno}]: ${line.text}`;
    };
    const services = () => [...state.services].filter(([type]) => wanted(type));
    if (!query.follow) {
      const all: Array<{ key: string; line: string }> = [];
      for (const [type, service] of services()) {
        for await (const line of await this.docker.swarm.serviceLogs(service.id, { tail: query.lines })) {
          const text = format(type, line);
          if (text !== undefined) all.push({ key: line.time ?? '', line: text });
        }
      }
      all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      for (const entry of query.lines <= 0 ? [] : all.slice(-query.lines)) write(entry.line);
      return;
    }
    const followed = new Map<string, Readable>();
    const follow = async (type: string, service: ServiceInfo, tail: number | undefined): Promise<void> => {
      if (followed.has(service.id) || signal.aborted) return;
      const stream = await this.docker.swarm.serviceLogs(service.id, { tail, follow: true }).catch(() => undefined);
      if (stream === undefined) return; // removed between the listing and the call: nothing to follow
      followed.set(service.id, stream);
      void (async () => {
        try {
          for await (const line of stream) {
            const text = format(type, line);
            if (text !== undefined) write(text);
          }
        } catch {
          // destroyed when the client leaves, or the service was removed
        }
      })();
    };
    const stopAll = (): void => { for (const stream of followed.values()) stream.destroy(); };
    signal.addEventListener('abort', stopAll, { once: true });
    try {
      for (const [type, service] of services()) await follow(type, service, query.lines);
      while (!signal.aborted) {
        await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
        if (signal.aborted) break;
        await this.refresh(app).catch(() => undefined);
        for (const [type, service] of services()) await follow(type, service, undefined);
      }
    } finally {
      signal.removeEventListener('abort', stopAll);
      stopAll();
    }
  }

  /** A one-off container of the release image on the manager's engine (where the image was built). */
  async run(spec: OneOffSpec, io: RunIO, signal: AbortSignal): Promise<number> {
    const { release } = spec;
    if (release.image === undefined) throw new SlipwayError('E_DOCKER', `${release.app} v${release.version} has no image`, 1);
    const config = (await this.docker.findImage(release.image)).config;
    if (config === undefined) throw new SlipwayError('E_DOCKER', `cannot read how to run ${release.image}`, 1);
    const suffix = randomBytes(3).toString('hex');
    const dyno = spec.dyno ?? `run.${suffix}`;
    const result = await this.docker.runOneOff({
      image: release.image,
      name: `${release.app}.${dyno}${spec.dyno === undefined ? '' : `.${suffix}`}`,
      cmd: containerCmd(config, spec.command),
      env: { ...spec.env, DYNO: dyno, PS: dyno },
      labels: { ...ownServiceLabels(this.instance), [LABEL.app]: release.app, [LABEL.process]: 'run', [LABEL.release]: String(release.version) },
      network: 'bridge',
      init: true,
    }, { stdout: io.stdout, stderr: io.stderr, stdin: io.stdin, signal });
    return result.exitCode;
  }

  /** Services left by a previous server for exactly this release, scale and config: serve them as they are. */
  async adopt(spec: GenerationSpec): Promise<Generation | undefined> {
    const { release } = spec;
    const app = release.app;
    await this.refreshNodes();
    await this.refresh(app);
    const state = this.state(app);
    const wanted = Object.entries(spec.scale).filter(([, n]) => n > 0);
    const digest = envDigest(spec.env);
    const matches = wanted.length > 0 && wanted.length === state.services.size && wanted.every(([type, n]) => {
      const s = state.services.get(type);
      return s !== undefined && s.labels[LABEL.release] === String(release.version) && s.labels[SW_LABEL.config] === digest
        && s.spec.Mode.Replicated.Replicas === n;
    });
    if (!matches) return undefined;
    const gen = new SwarmGeneration(`${app}.v${release.version}.adopted`, app, release.version, { ...spec.scale }, this);
    state.generations.push(gen);
    this.ensurePoller();
    return gen;
  }

  async destroy(app: AppName): Promise<void> {
    const state = this.apps.get(app);
    if (state) state.generations = [];
    await this.removeServices(app);
    await this.refresh(app).catch(() => undefined);
  }

  /** The services keep running whatever happens to Slipway: close and detach only stop following. */
  async close(): Promise<void> {
    await this.detach();
  }

  async detach(): Promise<void> {
    this.closing.abort();
    clearInterval(this.poller);
    this.poller = undefined;
    this.apps.clear();
  }
}

function failures(tasks: TaskInfo[]): string {
  const reasons = [...new Set(tasks.filter((t) => t.state === 'failed' || t.state === 'rejected').map((t) => t.error || t.message).filter(Boolean))];
  return reasons.length ? ` (${reasons.join('; ')})` : '';
}

/** Remove the app's services wherever they came from (post-delete); a line saying so, or undefined. */
async function removeAppServices(app: AppName): Promise<string | undefined> {
  if (!isValidAppName(app)) return undefined;
  const docker = connect();
  if (!(await docker.ping(3_000))) return undefined;
  if (!(await docker.swarm.state()).manager) return undefined;
  const services = await docker.swarm.services({ [SW_LABEL.scheduler]: SWARM_SCHEDULER, [LABEL.app]: app });
  for (const service of services) await docker.swarm.removeService(service.id);
  return services.length ? `Removed ${services.length} swarm service${services.length === 1 ? '' : 's'} of ${app}` : undefined;
}

export const dockerSwarmEngine: SchedulerEngine = {
  name: SWARM_SCHEDULER,
  needs: 'A Docker engine that is a swarm manager',
  explicitOnly: true,
  removeApp: removeAppServices,
  async available() {
    try {
      const docker = connect();
      if (!(await docker.ping(3_000))) return false;
      return (await docker.swarm.state()).manager;
    } catch {
      return false;
    }
  },
  async inspect(ctx, app) {
    const docker = connect();
    if (!(await docker.ping(3_000)) || !(await docker.swarm.state()).manager) return [];
    return (await docker.swarm.services({ ...ownServiceLabels(instanceId(ctx.store.settings.home)), [LABEL.app]: app })).map((s) => ({ ID: s.id, Version: { Index: s.version }, Spec: s.spec, PreviousSpec: s.previousSpec }));
  },
  async create(ctx: SchedulerContext) {
    const docker = connect();
    if (!(await docker.ping(5_000))) throw new DeployFailed(`Docker is not reachable at ${docker.host}`);
    return new DockerSwarmScheduler(docker, ctx.store, ctx.log, instanceId(ctx.store.settings.home));
  },
};

