// Docker Engine's Swarm mode, as the docker-swarm scheduler needs it: the engine's swarm state,
// nodes, join tokens, services (create, update, roll back, remove), their tasks and logs, and
// image pushes to a registry. Errors come back as Slipway errors with the engine's own words.
import type Dockerode from 'dockerode';
import { Readable } from 'node:stream';
import { DockerError, dockerFailure, engineMessage, hasStatus } from './errors.js';
import { labelFilter, type Labels } from './labels.js';
import { demuxFrames, frameLines, type LogLine } from './demux.js';
import { pushImage, type RegistryAuth } from './push.js';

export type { RegistryAuth } from './push.js';

export interface SwarmState {
  /** inactive, pending, active, error, locked */
  state: string;
  /** This engine is a manager (it can create services). */
  manager: boolean;
  nodeId: string;
  nodeAddr: string;
  clusterId: string;
  nodes: number;
  managers: number;
}

export interface SwarmNodeInfo {
  id: string;
  hostname: string;
  role: string;
  /** ready, down, unknown, disconnected */
  state: string;
  availability: string;
  address: string;
  labels: Record<string, string>;
  leader: boolean;
}

/** The engine's service document, as Docker's API has it (the fields Slipway reads or writes). */
export interface ServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Args?: string[];
      Command?: string[];
      Env?: string[];
      Labels?: Record<string, string>;
      Init?: boolean;
      StopGracePeriod?: number;
      Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
      Mounts?: Array<{ Type: string; Source: string; Target: string; ReadOnly?: boolean }>;
    };
    RestartPolicy?: { Condition: string; Delay?: number; MaxAttempts?: number; Window?: number };
    Placement?: { Constraints?: string[] };
    Resources?: { Limits?: { NanoCPUs?: number; MemoryBytes?: number }; Reservations?: { NanoCPUs?: number; MemoryBytes?: number } };
    ForceUpdate?: number;
  };
  Mode: { Replicated: { Replicas: number } };
  UpdateConfig?: { Parallelism: number; Delay?: number; FailureAction: string; Monitor?: number; MaxFailureRatio?: number; Order: string };
  RollbackConfig?: { Parallelism: number; Delay?: number; FailureAction: string; Monitor?: number; MaxFailureRatio?: number; Order: string };
  EndpointSpec?: { Mode?: string; Ports?: Array<{ Protocol: string; TargetPort: number; PublishedPort: number; PublishMode: string }> };
}

export interface ServiceInfo {
  id: string;
  name: string;
  version: number;
  labels: Record<string, string>;
  spec: ServiceSpec;
  previousSpec?: ServiceSpec;
  /** updating, paused, completed, rollback_started, rollback_paused, rollback_completed */
  updateState?: string;
  updateMessage?: string;
}

export interface TaskInfo {
  id: string;
  serviceId: string;
  slot: number;
  nodeId: string;
  /** new, pending, assigned, accepted, preparing, starting, running, complete, shutdown, failed, rejected, orphaned, remove */
  state: string;
  desiredState: string;
  message: string;
  error: string;
  exitCode?: number;
  containerId?: string;
  image: string;
  /** The service labels the task was made from carry the release (its ContainerSpec labels). */
  labels: Record<string, string>;
  ports: Array<{ published: number; target: number; mode: string }>;
  createdAt: string;
  updatedAt: string;
}

interface RawService {
  ID: string; Version: { Index: number }; Spec: ServiceSpec; PreviousSpec?: ServiceSpec;
  UpdateStatus?: { State?: string; Message?: string };
}

interface RawTask {
  ID: string; ServiceID: string; Slot?: number; NodeID?: string; DesiredState: string; CreatedAt: string; UpdatedAt: string;
  Spec: { ContainerSpec: { Image: string; Labels?: Record<string, string> } };
  Status: { State: string; Message?: string; Err?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number }; PortStatus?: { Ports?: Array<{ PublishedPort: number; TargetPort: number; PublishMode: string }> } };
}

function toService(raw: RawService): ServiceInfo {
  return {
    id: raw.ID, name: raw.Spec.Name, version: raw.Version.Index, labels: raw.Spec.Labels ?? {}, spec: raw.Spec, previousSpec: raw.PreviousSpec,
    updateState: raw.UpdateStatus?.State, updateMessage: raw.UpdateStatus?.Message,
  };
}

function toTask(raw: RawTask): TaskInfo {
  return {
    id: raw.ID, serviceId: raw.ServiceID, slot: raw.Slot ?? 0, nodeId: raw.NodeID ?? '', state: raw.Status.State, desiredState: raw.DesiredState,
    message: raw.Status.Message ?? '', error: raw.Status.Err ?? '', exitCode: raw.Status.ContainerStatus?.ExitCode,
    containerId: raw.Status.ContainerStatus?.ContainerID, image: raw.Spec.ContainerSpec.Image, labels: raw.Spec.ContainerSpec.Labels ?? {},
    ports: (raw.Status.PortStatus?.Ports ?? []).map((p) => ({ published: p.PublishedPort, target: p.TargetPort, mode: p.PublishMode })),
    createdAt: raw.CreatedAt, updatedAt: raw.UpdatedAt,
  };
}

export class Swarm {
  constructor(private readonly docker: Dockerode, private readonly host: string) {}

  private async call<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw dockerFailure(action, this.host, error);
    }
  }

  async state(): Promise<SwarmState> {
    const info = await this.call('read engine info', () => this.docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string; NodeAddr?: string; Cluster?: { ID?: string }; Nodes?: number; Managers?: number } };
    const s = info.Swarm ?? {};
    return {
      state: s.LocalNodeState ?? 'inactive', manager: s.ControlAvailable === true, nodeId: s.NodeID ?? '', nodeAddr: s.NodeAddr ?? '',
      clusterId: s.Cluster?.ID ?? '', nodes: s.Nodes ?? 0, managers: s.Managers ?? 0,
    };
  }

  /** `docker swarm init`: this engine becomes the first manager; returns the node id. */
  async init(advertiseAddr?: string): Promise<string> {
    return this.call('init swarm', async () => String(await this.docker.swarmInit({ ListenAddr: '0.0.0.0:2377', ...(advertiseAddr ? { AdvertiseAddr: advertiseAddr } : {}) })));
  }

  async joinTokens(): Promise<{ worker: string; manager: string }> {
    const swarm = await this.call('inspect swarm', () => this.docker.swarmInspect()) as { JoinTokens?: { Worker?: string; Manager?: string } };
    return { worker: swarm.JoinTokens?.Worker ?? '', manager: swarm.JoinTokens?.Manager ?? '' };
  }

  async nodes(): Promise<SwarmNodeInfo[]> {
    const nodes = await this.call('list nodes', () => this.docker.listNodes()) as Array<{
      ID: string; Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> }; Description?: { Hostname?: string };
      Status?: { State?: string; Addr?: string }; ManagerStatus?: { Leader?: boolean; Addr?: string };
    }>;
    return nodes.map((n) => ({
      id: n.ID, hostname: n.Description?.Hostname ?? '', role: n.Spec?.Role ?? '', state: n.Status?.State ?? 'unknown', availability: n.Spec?.Availability ?? '',
      // A manager's Status.Addr can be 0.0.0.0; its ManagerStatus.Addr (ip:2377) is the real one.
      address: n.Status?.Addr && n.Status.Addr !== '0.0.0.0' ? n.Status.Addr : (n.ManagerStatus?.Addr ?? '').replace(/:\d+$/, ''),
      labels: n.Spec?.Labels ?? {}, leader: n.ManagerStatus?.Leader === true,
    }));
  }

  async services(labels: Labels): Promise<ServiceInfo[]> {
    const raw = await this.call('list services', () => this.docker.listServices({ filters: labelFilter(labels) })) as unknown as RawService[];
    return raw.map(toService);
  }

  async service(name: string): Promise<ServiceInfo | undefined> {
    try {
      return toService(await this.docker.getService(name).inspect() as RawService);
    } catch (error) {
      if (hasStatus(error, 404)) return undefined;
      throw dockerFailure(`inspect service ${name}`, this.host, error);
    }
  }

  async createService(spec: ServiceSpec, auth?: RegistryAuth): Promise<string> {
    const create = this.docker.createService.bind(this.docker) as unknown as (...args: unknown[]) => Promise<{ ID?: string; id?: string }>;
    const created = await this.call(`create service ${spec.Name}`, () => (auth ? create(auth, spec) : create(spec)));
    return created.ID ?? created.id ?? '';
  }

  /** Replace a service's spec (a rolling update), or with `rollback` go back to its previous spec. */
  async updateService(id: string, version: number, spec: ServiceSpec, options: { auth?: RegistryAuth; rollback?: boolean } = {}): Promise<void> {
    const query: Record<string, string | number> = { version };
    if (options.rollback) query.rollback = 'previous';
    const service = this.docker.getService(id);
    try {
      await service.update(options.auth as never, { _query: query, _body: spec } as never);
    } catch (error) {
      throw new DockerError(`${options.rollback ? 'roll back' : 'update'} service ${spec.Name}`, engineMessage(error), { cause: error });
    }
  }

  async removeService(id: string): Promise<void> {
    try {
      await this.docker.getService(id).remove();
    } catch (error) {
      if (hasStatus(error, 404)) return;
      throw dockerFailure(`remove service ${id}`, this.host, error);
    }
  }

  async tasks(filter: { service?: string; labels?: Labels } = {}): Promise<TaskInfo[]> {
    const filters: Record<string, string[]> = {};
    if (filter.service) filters.service = [filter.service];
    if (filter.labels) Object.assign(filters, labelFilter(filter.labels));
    const raw = await this.call('list tasks', () => this.docker.listTasks({ filters })) as unknown as RawTask[];
    return raw.map(toTask);
  }

  /** A service's log lines (every task's, each with `task` = its task id); with follow, until destroyed. */
  async serviceLogs(id: string, options: { tail?: number; follow?: boolean }): Promise<Readable & AsyncIterable<LogLine & { task?: string }>> {
    const service = this.docker.getService(id) as unknown as { logs(options: unknown): Promise<unknown> };
    const stream = await this.call(`read logs of service ${id}`, () => service.logs({
      stdout: true, stderr: true, timestamps: true, details: true, follow: options.follow ?? false,
      ...(options.tail === undefined ? {} : { tail: options.tail }),
    } as never)) as unknown;
    const source = (Buffer.isBuffer(stream) ? Readable.from([stream]) : stream) as Readable;
    const lines = async function* () {
      for await (const line of frameLines(demuxFrames(source as AsyncIterable<Buffer>))) {
        // `TIME DETAILS TEXT`: details are `k=v,k=v` (com.docker.swarm.task.id among them).
        const match = /^(\S+) (\S*) ?(.*)$/.exec(line.text);
        if (!match) { yield line; continue; }
        const task = /com\.docker\.swarm\.task\.id=([a-z0-9]+)/.exec(match[2])?.[1];
        yield { ...line, time: match[1], text: match[3], task };
      }
    };
    const out = Readable.from(lines(), { objectMode: true }) as Readable & AsyncIterable<LogLine & { task?: string }>;
    out.once('close', () => source.destroy?.());
    return out;
  }

  /** Push an image to its registry; `onLine` gets the engine's progress. */
  push(ref: string, auth: RegistryAuth | undefined, onLine: (line: string) => void = () => undefined): Promise<void> {
    return pushImage(this.docker, this.host, ref, auth, onLine);
  }

  /** Check credentials with the registry (`docker login`); throws with the registry's answer. */
  async checkAuth(auth: RegistryAuth): Promise<void> {
    try {
      await this.docker.checkAuth(auth as never);
    } catch (error) {
      throw new DockerError(`log in to ${auth.serveraddress}`, engineMessage(error), { cause: error });
    }
  }
}
