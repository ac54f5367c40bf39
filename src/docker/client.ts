// The one door to the Docker Engine: images (find, import, build, remove) and containers (create,
// start, stop, inspect, logs, one-off runs). Nothing else in Slipway imports dockerode.
import type Dockerode from 'dockerode';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { ConflictError, SlipwayError } from '../errors.js';
import { ContainerNotFound, DockerError, ImageNotFound, BuildFailed, hasStatus, isEngineAnswer, engineMessage, dockerFailure } from './errors.js';
import { resolveEndpoint } from './endpoint.js';
import { defined } from './query.js';
import { LABEL, labelFilter, slipwayLabels, type Labels } from './labels.js';
import { checkImageRef, splitRef } from './refs.js';
import { readProgress } from './progress.js';
import { createOptions, type ContainerSpec } from './spec.js';
import { Containers, type ContainerState, type ContainerSummary, type LogOptions } from './containers.js';
import { runAttached, type OneOffIo, execAttached, type ExecSpec } from './one-off.js';
import type { LogLine } from './demux.js';
import { imageConfig, type ImageConfig } from './image-config.js';
import { Volumes, type VolumeInfo } from './volumes.js';
import { Images, relabelContext } from './images.js';
import { Swarm } from './swarm.js';
import { pushImage, type RegistryAuth } from './push.js';
import { Networks, type NetworkCreateOptions, type NetworkInfo } from './networks.js';

export interface ImageInfo {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  created: Date;
  /** How the image runs (CMD, ENTRYPOINT, HEALTHCHECK); only from findImage, not listImages. */
  config?: ImageConfig;
}

export interface BuildOptions {
  /** The first tag names the build; the others are added after it succeeds. */
  tags: string[];
  buildArgs?: Readonly<Record<string, string>>;
  labels?: Labels;
  /**
   * The Dockerfile labels every stage and its own result (and carries the managed marker): no
   * engine label option then, which the engine applies as one more build step per label.
   */
  labelledDockerfile?: boolean;
  /** `host` keeps RUN steps off any bridge; left out, the engine's default network is used. */
  networkMode?: 'host' | 'none' | 'default';
  dockerfile?: string;
  noCache?: boolean;
  /** Memory (and memory plus swap) each build step may use. */
  memoryBytes?: number;
  memorySwapBytes?: number;
}

export interface ImportOptions {
  /** Dockerfile instructions applied to the imported image, e.g. `CMD ["/bin/sh"]`. */
  changes?: string[];
  labels?: Labels;
}

/** A tar stream: a Node Readable, or any async iterable of bytes (tar-stream's streamx pack). */
export type TarSource = Readable | AsyncIterable<Uint8Array>;

export interface EngineInfo { version: string; apiVersion: string; storageDriver: string }

interface EngineDetails { Driver?: string }

type PingWithSignal = (options: { abortSignal: AbortSignal }) => Promise<unknown>;

/**
 * dockerode (with its gRPC and protobuf dependencies) costs ~29 MB of RSS: load it on the first
 * connect, so a server on the process scheduler never pays for it.
 */
function loadDockerode(): typeof Dockerode {
  return createRequire(import.meta.url)('dockerode') as typeof Dockerode;
}

/** Connect to DOCKER_HOST (or the given `unix://` / `tcp://` address); nothing is sent yet. */
export function connect(dockerHost?: string): DockerClient {
  const endpoint = resolveEndpoint(dockerHost);
  return new DockerClient(new (loadDockerode())(endpoint.options), endpoint.host);
}

export class DockerClient {
  private readonly containers: Containers;
  private readonly volumes: Volumes;
  private readonly images: Images;
  private readonly networks: Networks;
  /** Swarm mode: nodes, services, tasks, registry pushes. */
  readonly swarm: Swarm;

  constructor(private readonly docker: Dockerode, readonly host: string) {
    this.swarm = new Swarm(docker, host);
    this.containers = new Containers(docker, host);
    this.volumes = new Volumes(docker, host);
    this.images = new Images(docker, host);
    this.networks = new Networks(docker, host);
  }

  /** True when the engine answers within `timeoutMs`; never throws. */
  async ping(timeoutMs = 3000): Promise<boolean> {
    // The typings omit ping's options; dockerode does accept an abortSignal there.
    const ping = this.docker.ping.bind(this.docker) as unknown as PingWithSignal;
    try {
      await ping({ abortSignal: AbortSignal.timeout(timeoutMs) });
      return true;
    } catch {
      return false; // unreachable, refused or too slow all mean the same thing to the caller
    }
  }

  async engine(): Promise<EngineInfo> {
    try {
      const [version, info] = await Promise.all([this.docker.version(), this.docker.info() as Promise<EngineDetails>]);
      return { version: version.Version, apiVersion: version.ApiVersion, storageDriver: info.Driver ?? 'unknown' };
    } catch (error) {
      throw dockerFailure('read engine version', this.host, error);
    }
  }

  // ---- images ----

  /** The image a reference names, or ImageNotFound (E_IMAGE_NOT_FOUND, `<ref> image not found`). */
  async findImage(ref: string): Promise<ImageInfo> {
    try {
      const image = await this.docker.getImage(checkImageRef(ref)).inspect();
      return {
        id: image.Id, tags: image.RepoTags ?? [], labels: image.Config.Labels ?? {}, created: new Date(image.Created),
        config: imageConfig(image.Config),
      };
    } catch (error) {
      if (hasStatus(error, 404)) throw new ImageNotFound(ref);
      throw dockerFailure(`inspect image ${ref}`, this.host, error);
    }
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.findImage(ref);
      return true;
    } catch (error) {
      if (error instanceof ImageNotFound) return false;
      throw error;
    }
  }

  /** Create `ref` from a root filesystem tar stream (like `docker import - ref`). */
  async importImage(tar: TarSource, ref: string, options: ImportOptions = {}): Promise<ImageInfo> {
    const rootfs = asReadable(tar);
    const { repo, tag } = splitRef(checkImageRef(ref));
    const labels = Object.entries(slipwayLabels(options.labels)).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
    const changes = [...(options.changes ?? []), ...labels];
    const result = await this.withSource(rootfs, `import image ${ref}`, async (abortSignal) =>
      readProgress(await this.docker.importImage(rootfs, { repo, tag, changes, abortSignal }), () => undefined));
    if (result.error !== undefined) throw new DockerError(`import image ${ref}`, result.error);
    return this.findImage(ref);
  }

  /**
   * `docker load`: the images of a `docker save` tarball streamed in, tags included. Returns
   * the engine's progress lines (`Loaded image: NAME:TAG`); a bad tarball is a DockerError.
   */
  async loadImages(tar: TarSource, onLine: (line: string) => void = () => undefined): Promise<void> {
    const source = asReadable(tar);
    const result = await this.withSource(source, 'load images', async (abortSignal) =>
      readProgress(await this.docker.loadImage(source, { abortSignal }), onLine));
    if (result.error !== undefined) throw new DockerError('load images', result.error);
  }

  /**
   * Build from a tar stream holding a Dockerfile and its context. Each line of build output goes
   * to `onLine` as it arrives; a failed step rejects with BuildFailed naming the step.
   */
  async buildImage(tar: TarSource, options: BuildOptions, onLine: (line: string) => void): Promise<ImageInfo> {
    const context = asReadable(tar);
    const [first, ...more] = options.tags.map(checkImageRef);
    if (first === undefined) throw new SlipwayError('E_BUILD_TAG_REQUIRED', 'an image build needs at least one tag', 1);
    const result = await this.withSource(context, `build image ${first}`, async (abortSignal) => {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await this.docker.buildImage(context, defined({
          t: first,
          buildargs: { ...options.buildArgs },
          labels: options.labelledDockerfile === true ? undefined : slipwayLabels(options.labels),
          networkmode: options.networkMode,
          dockerfile: options.dockerfile,
          nocache: options.noCache ?? false,
          memory: options.memoryBytes,
          memswap: options.memorySwapBytes,
          rm: true,
          forcerm: true, // a failed step leaves no intermediate container behind
          abortSignal,
        }));
      } catch (error) {
        // The engine refused the build before it started (bad Dockerfile path, unreadable context).
        if (isEngineAnswer(error)) throw new BuildFailed(engineMessage(error));
        throw error;
      }
      return readProgress(stream, onLine);
    });
    if (result.error !== undefined) throw new BuildFailed(result.error, result.lastStep);
    for (const extra of more) {
      try {
        await this.docker.getImage(first).tag(splitRef(extra));
      } catch (error) {
        throw dockerFailure(`tag ${first} as ${extra}`, this.host, error);
      }
    }
    return this.findImage(first);
  }

  async removeImage(ref: string, options: { force?: boolean } = {}): Promise<void> {
    try {
      await this.docker.getImage(checkImageRef(ref)).remove({ force: options.force ?? false });
    } catch (error) {
      if (hasStatus(error, 404)) throw new ImageNotFound(ref);
      if (hasStatus(error, 409)) throw new ConflictError('E_IMAGE_IN_USE', `${ref} image is in use: ${engineMessage(error)}`);
      throw dockerFailure(`remove image ${ref}`, this.host, error);
    }
  }

  /** Slipway's images matching every label given (dangling build leftovers included). */
  listImages(labels: Labels = {}): Promise<ImageInfo[]> { return this.images.list(labels); }

  /** Slipway's untagged images matching the labels that no other image builds on (build leftovers). */
  danglingImages(labels: Labels): Promise<ImageInfo[]> { return this.images.list(labels, { dangling: true }); }

  /** Point `ref` at the image `source` names; a tag another image held moves. */
  tagImage(source: string, ref: string): Promise<void> { return this.images.tag(source, ref); }

  /** Push `ref` (`SERVER/REPO:TAG`) to its registry, with `auth` or anonymously; `onLine` gets the engine's progress. */
  pushImage(ref: string, auth: RegistryAuth | undefined, onLine?: (line: string) => void): Promise<void> {
    return pushImage(this.docker, this.host, ref, auth, onLine);
  }

  /** Every image on the engine (Slipway's or not, step images included) with its parent id. */
  allImages(): Promise<Array<ImageInfo & { parent: string }>> { return this.images.all(); }

  /** Ids of the images running containers were started from. */
  imagesInUse(): Promise<Set<string>> { return this.images.inUse(); }

  /**
   * A copy of `source` under `ref` that carries `labels` instead (same layers: a build of `FROM
   * source` whose only change is the labels). Image labels cannot be edited in place.
   */
  async relabelImage(source: string, ref: string, labels: Labels): Promise<ImageInfo> {
    const context = relabelContext(source, slipwayLabels(labels));
    return this.buildImage(context, { tags: [ref], labelledDockerfile: true, networkMode: 'none' }, () => undefined);
  }

  // ---- containers ----

  /** Create a container; with `spec.attach` it joins those networks before anything starts it. */
  async createContainer(spec: ContainerSpec): Promise<string> {
    return this.attached(await this.containers.create(createOptions(spec), spec), spec);
  }

  /** Dokku's attach-post-create: the created container joins each network; a failure removes it. */
  private async attached(id: string, spec: ContainerSpec): Promise<string> {
    try {
      for (const { network, aliases, hostnameAlias } of spec.attach ?? []) {
        const named = hostnameAlias === true && aliases.length > 0 ? [...aliases, `${id.slice(0, 12)}.${aliases[0]}`] : aliases;
        await this.networks.connect(network, id, named);
      }
    } catch (error) {
      await this.containers.remove(id, true).catch(() => undefined); // it never ran: nothing to keep
      throw error;
    }
    return id;
  }

  startContainer(id: string): Promise<void> { return this.containers.start(id); }

  stopContainer(id: string, timeoutSeconds?: number): Promise<void> { return this.containers.stop(id, timeoutSeconds); }

  removeContainer(id: string, options: { force?: boolean } = {}): Promise<void> {
    return this.containers.remove(id, options.force ?? true);
  }

  /** Slipway's containers (running or not) matching every label given. */
  listContainers(labels: Labels = {}, options: { all?: boolean } = {}): Promise<ContainerSummary[]> {
    return this.containers.list(labels, options.all ?? true);
  }

  inspectContainer(id: string): Promise<ContainerState> { return this.containers.inspect(id); }

  /** The engine's own inspect document, unparsed (what `docker inspect` prints). */
  inspectContainerRaw(id: string): Promise<unknown> { return this.containers.inspectRaw(id); }

  /** Whether a network of that name exists (`bridge` is absent on a daemon started with --bridge=none). */
  async hasNetwork(name: string): Promise<boolean> {
    try {
      const networks = await this.docker.listNetworks({ filters: { name: [name] } });
      return networks.some((n) => n.Name === name);
    } catch (error) {
      throw dockerFailure('list networks', this.host, error);
    }
  }

  /** Every network on the engine, by name. */
  listNetworks(): Promise<NetworkInfo[]> { return this.networks.list(); }

  findNetwork(name: string): Promise<NetworkInfo | undefined> { return this.networks.find(name); }

  /** An attachable bridge network; the engine's refusal (name taken, …) is a NetworkRefused in its words. */
  createNetwork(name: string, options: NetworkCreateOptions = {}): Promise<void> { return this.networks.create(name, options); }

  removeNetwork(name: string): Promise<void> { return this.networks.remove(name); }

  /** Connect a container (created or running) to a network, with aliases; already on it: nothing to do. */
  connectNetwork(name: string, container: string, aliases: string[] = []): Promise<void> { return this.networks.connect(name, container, aliases); }

  // ---- volumes ----

  listVolumes(labels: Labels = {}): Promise<VolumeInfo[]> { return this.volumes.list(labels); }

  /** Create a labelled named volume unless that name exists; true when this call created it. */
  ensureVolume(name: string, labels: Labels = {}): Promise<boolean> { return this.volumes.ensure(name, labels); }

  removeVolume(name: string): Promise<void> { return this.volumes.remove(name); }

  /** Log lines tagged stdout/stderr; with `follow` the stream stays open until destroyed. */
  containerLogs(id: string, options: LogOptions = {}): Promise<Readable & AsyncIterable<LogLine>> {
    return this.containers.logs(id, options);
  }

  /**
   * Create, attach, start, wait for and remove a container, streaming its output to `io` (and
   * `io.stdin` to it). Resolves with the exit code; the container is removed whatever happens.
   */
  async runOneOff(spec: ContainerSpec, io: OneOffIo): Promise<{ exitCode: number }> {
    const options = createOptions({ ...spec, restart: 'no', labels: { ...spec.labels, [LABEL.oneOff]: 'true' } });
    const stdin = io.stdin !== undefined;
    const id = await this.attached(await this.containers.create(
      { ...options, AttachStdout: true, AttachStderr: true, AttachStdin: stdin, OpenStdin: stdin, StdinOnce: stdin },
      spec,
    ), spec);
    const container = this.docker.getContainer(id);
    // The caller went away (or run:stop): removing the running container ends the attach and the wait.
    let removing: Promise<void> | undefined;
    const onAbort = (): void => { removing = this.containers.remove(id, true).catch(() => undefined); };
    io.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (io.signal?.aborted) throw new DockerError(`run ${spec.image}`, 'aborted before it started');
      return { exitCode: await runAttached(container, io, spec.tty ?? false) };
    } catch (error) {
      throw dockerFailure(`run ${spec.image}`, this.host, error);
    } finally {
      io.signal?.removeEventListener('abort', onAbort);
      // The attach ends before the engine finished removing: whoever stopped it sees it gone.
      await removing;
      await this.containers.remove(id, true).catch((error: unknown) => {
        // Already gone, or being removed by the abort above.
        if (!(error instanceof ContainerNotFound) && io.signal?.aborted !== true) throw error;
      });
    }
  }

  /** `docker exec` in a running container (no tty); resolves to the command's exit code. */
  async execInContainer(id: string, spec: ExecSpec, io: OneOffIo): Promise<number> {
    try {
      return await execAttached(this.docker.getContainer(id), spec, io);
    } catch (error) {
      if (hasStatus(error, 404)) throw new ContainerNotFound(id);
      throw dockerFailure(`exec in container ${id}`, this.host, error);
    }
  }

  /** Remove Slipway's containers, then images, then volumes matching the labels; returns how many went. */
  async removeByLabels(labels: Labels): Promise<{ containers: number; images: number; volumes: number }> {
    // An empty filter would match everything Slipway owns: too easy to call by mistake.
    if (Object.keys(labels).length === 0) throw new SlipwayError('E_USAGE', 'removeByLabels needs at least one label', 1);
    const containers = await this.listContainers(labels);
    for (const c of containers) await this.containers.remove(c.id, true);
    // An image must go before the image it was built from. Creation times only have one-second
    // resolution, so try newest first and retry whatever still had a child on the next round.
    let pending = (await this.listImages(labels)).sort((a, b) => b.created.getTime() - a.created.getTime());
    let removed = 0;
    while (pending.length > 0) {
      const blocked: ImageInfo[] = [];
      let lastConflict: unknown;
      for (const image of pending) {
        try {
          await this.removeImage(image.id, { force: true });
          removed += 1;
        } catch (error) {
          if (error instanceof ImageNotFound) continue; // already gone with a child it parented
          if (!(error instanceof ConflictError)) throw error;
          blocked.push(image);
          lastConflict = error;
        }
      }
      if (blocked.length === pending.length) throw lastConflict;
      pending = blocked;
    }
    const volumes = await this.listVolumes(labels);
    for (const volume of volumes) await this.removeVolume(volume.name);
    return { containers: containers.length, images: removed, volumes: volumes.length };
  }

  /**
   * Fail with the source stream's error (a broken tar, say) rather than hang on a half-sent body,
   * and abort the request whenever the work fails so no connection is left open.
   */
  private async withSource<T>(source: Readable, action: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const request = new AbortController();
    let onError: ((error: Error) => void) | undefined;
    const failed = new Promise<never>((_, reject) => {
      onError = (error) => reject(new DockerError(action, `reading the input stream: ${error.message}`, { cause: error }));
      source.once('error', onError);
    });
    try {
      return await Promise.race([work(request.signal), failed]);
    } catch (error) {
      request.abort();
      source.destroy();
      throw dockerFailure(action, this.host, error);
    } finally {
      if (onError) source.off('error', onError);
    }
  }
}

function asReadable(source: TarSource): Readable {
  return source instanceof Readable ? source : Readable.from(source, { objectMode: false });
}
