// Container lifecycle against the engine: create, start, stop, remove, list, inspect and logs,
// with the engine's status codes turned into typed errors (404 → ContainerNotFound, …).
import type Dockerode from 'dockerode';
import { Readable } from 'node:stream';
import { ConflictError } from '../errors.js';
import { ContainerNotFound, ImageNotFound, dockerFailure, engineMessage, hasStatus } from './errors.js';
import { defined } from './query.js';
import { LABEL, labelFilter, type Labels } from './labels.js';
import { checkContainerName } from './refs.js';
import { demuxFrames, frameLines, type Frame, type LogLine } from './demux.js';
import type { ContainerSpec } from './spec.js';

export type HealthStatus = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  /** created, running, exited, restarting, … */
  state: string;
  /** Docker's human text: `Up 3 minutes (healthy)`. */
  status: string;
  labels: Record<string, string>;
}

export interface ContainerState {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  running: boolean;
  status: string;
  exitCode: number;
  restartCount: number;
  startedAt: string;
  finishedAt: string;
  health: HealthStatus;
  /** Output of the latest healthcheck probe, when there is one. */
  healthOutput?: string;
  tty: boolean;
  /** The main process on the host, while it runs. */
  pid?: number;
  /** Environment the container was created with (`KEY=value`). */
  env?: string[];
  /** Published ports: `5000/tcp` → the host ports bound to it. */
  ports?: Record<string, Array<{ hostIp: string; hostPort: number }>>;
}

export interface LogOptions {
  follow?: boolean;
  /** Only the last N lines; all of them when left out. */
  tail?: number;
  /** Unix seconds. */
  since?: number;
  /** Ask the engine for each line's time: it comes back in LogLine.time. */
  timestamps?: boolean;
}

const HEALTH: ReadonlySet<string> = new Set(['starting', 'healthy', 'unhealthy']);

export class Containers {
  constructor(private readonly docker: Dockerode, private readonly host: string) {}

  async create(options: Dockerode.ContainerCreateOptions, spec: ContainerSpec): Promise<string> {
    try {
      return (await this.docker.createContainer(options)).id;
    } catch (error) {
      if (hasStatus(error, 404)) throw new ImageNotFound(spec.image);
      if (hasStatus(error, 409)) throw new ConflictError('E_CONTAINER_EXISTS', `container ${spec.name ?? ''} already exists`);
      throw dockerFailure(`create container from ${spec.image}`, this.host, error);
    }
  }

  async start(id: string): Promise<void> {
    await this.call(id, 'start', (c) => unlessStatus(304, c.start()));
  }

  async stop(id: string, timeoutSeconds?: number): Promise<void> {
    await this.call(id, 'stop', (c) => unlessStatus(304, c.stop(timeoutSeconds === undefined ? {} : { t: timeoutSeconds })));
  }

  async remove(id: string, force: boolean): Promise<void> {
    await this.call(id, 'remove', (c) => c.remove({ force, v: true }));
  }

  async list(labels: Labels, all: boolean): Promise<ContainerSummary[]> {
    try {
      const found = await this.docker.listContainers({ all, filters: labelFilter({ ...labels, [LABEL.managed]: 'true' }) });
      return found.map((c) => ({
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        image: c.Image,
        state: c.State,
        status: c.Status,
        labels: c.Labels ?? {},
      }));
    } catch (error) {
      throw dockerFailure('list containers', this.host, error);
    }
  }

  async inspect(id: string): Promise<ContainerState> {
    const info = await this.call(id, 'inspect', (c) => c.inspect());
    const health = info.State.Health;
    const lastProbe = health?.Log?.at(-1);
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      labels: info.Config.Labels ?? {},
      running: info.State.Running,
      status: info.State.Status,
      exitCode: info.State.ExitCode,
      restartCount: info.RestartCount,
      startedAt: info.State.StartedAt,
      finishedAt: info.State.FinishedAt,
      health: health !== undefined && HEALTH.has(health.Status) ? (health.Status as HealthStatus) : 'none',
      healthOutput: lastProbe?.Output,
      tty: info.Config.Tty,
      pid: info.State.Pid > 0 ? info.State.Pid : undefined,
      env: info.Config.Env ?? [],
      ports: publishedPorts(info.NetworkSettings?.Ports),
    };
  }

  /** The engine's inspect document as it is (for `ps:inspect`). */
  async inspectRaw(id: string): Promise<unknown> {
    return this.call(id, 'inspect', (c) => c.inspect());
  }

  async logs(id: string, options: LogOptions): Promise<Readable & AsyncIterable<LogLine>> {
    const { tty } = await this.inspect(id);
    const base = defined({ stdout: true, stderr: true, tail: options.tail, since: options.since, timestamps: options.timestamps });
    let source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
    let raw: NodeJS.ReadableStream | undefined;
    if (options.follow === true) {
      raw = await this.call(id, 'read logs of', (c) => c.logs({ ...base, follow: true }));
      source = raw;
    } else {
      // Without follow the engine sends a bounded answer that dockerode hands over as one buffer.
      source = [await this.call(id, 'read logs of', (c) => c.logs({ ...base, follow: false }))];
    }
    const frames = tty ? asStdout(source) : demuxFrames(source);
    const lines = Readable.from(options.timestamps === true ? timedLines(frameLines(frames)) : frameLines(frames), { objectMode: true });
    // A follower waiting for the next line would not notice being destroyed: close the socket too.
    lines.once('close', () => { if (raw !== undefined && isDestroyable(raw)) raw.destroy(); });
    return lines;
  }

  /** One engine call on one container, with Docker's status codes mapped to typed errors. */
  private async call<T>(id: string, verb: string, fn: (c: Dockerode.Container) => Promise<T>): Promise<T> {
    const container = this.docker.getContainer(checkContainerName(id));
    try {
      return await fn(container);
    } catch (error) {
      if (hasStatus(error, 404)) throw new ContainerNotFound(id);
      if (hasStatus(error, 409)) throw new ConflictError('E_CONTAINER_CONFLICT', `cannot ${verb} container ${id}: ${engineMessage(error)}`);
      throw dockerFailure(`${verb} container ${id}`, this.host, error);
    }
  }
}

/** 304 from start/stop means the container is already in the state we asked for. */
async function unlessStatus(status: number, work: Promise<unknown>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (!hasStatus(error, status)) throw error;
  }
}

async function* asStdout(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<Frame> {
  for await (const chunk of source) yield { stream: 'stdout', data: typeof chunk === 'string' ? Buffer.from(chunk) : chunk };
}

/** With `timestamps` each line starts with the engine's RFC 3339 time and a space. */
async function* timedLines(lines: AsyncIterable<LogLine>): AsyncGenerator<LogLine> {
  for await (const line of lines) {
    const space = line.text.indexOf(' ');
    const time = space > 0 ? line.text.slice(0, space) : '';
    if (/^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(time)) yield { ...line, time, text: line.text.slice(space + 1) };
    else yield line;
  }
}

type PortMap = Record<string, Array<{ HostIp: string; HostPort: string }> | null> | undefined;

function publishedPorts(ports: PortMap): Record<string, Array<{ hostIp: string; hostPort: number }>> {
  const result: Record<string, Array<{ hostIp: string; hostPort: number }>> = {};
  for (const [port, bindings] of Object.entries(ports ?? {})) {
    result[port] = (bindings ?? []).map((b) => ({ hostIp: b.HostIp, hostPort: Number(b.HostPort) }));
  }
  return result;
}

function isDestroyable(stream: NodeJS.ReadableStream): stream is NodeJS.ReadableStream & { destroy(): void } {
  return typeof (stream as { destroy?: unknown }).destroy === 'function';
}
