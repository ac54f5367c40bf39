// Image bookkeeping beyond build and import: tags moved or added, the dangling leftovers of builds,
// which images running containers use, and the one-line build context that relabels an image.
import type Dockerode from 'dockerode';
import tar from 'tar-stream';
import { dockerFailure } from './errors.js';
import { LABEL, labelFilter, type Labels } from './labels.js';
import { checkImageRef, splitRef } from './refs.js';

export interface ImageSummary {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  created: Date;
}

export class Images {
  constructor(private readonly docker: Dockerode, private readonly host: string) {}

  /** Point `ref` at the image `source` names (moving it off whatever image held it). */
  async tag(source: string, ref: string): Promise<void> {
    try {
      await this.docker.getImage(checkImageRef(source)).tag(splitRef(checkImageRef(ref)));
    } catch (error) {
      throw dockerFailure(`tag ${source} as ${ref}`, this.host, error);
    }
  }

  /** Slipway's images matching every label; `dangling` keeps only untagged ones no image builds on. */
  async list(labels: Labels, options: { dangling?: boolean } = {}): Promise<ImageSummary[]> {
    try {
      const filters: Record<string, string[]> = labelFilter({ ...labels, [LABEL.managed]: 'true' });
      if (options.dangling === true) filters.dangling = ['true'];
      const images = await this.docker.listImages({ filters });
      return images.map((i) => ({
        id: i.Id,
        tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
        labels: i.Labels ?? {},
        created: new Date(i.Created * 1000),
      }));
    } catch (error) {
      throw dockerFailure('list images', this.host, error);
    }
  }

  /** Every image on the engine, anyone's, step images included (`docker images -a`), with its parent. */
  async all(): Promise<Array<ImageSummary & { parent: string }>> {
    try {
      const images = await this.docker.listImages({ all: true });
      return images.map((i) => ({
        id: i.Id,
        parent: i.ParentId,
        tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
        labels: i.Labels ?? {},
        created: new Date(i.Created * 1000),
      }));
    } catch (error) {
      throw dockerFailure('list images', this.host, error);
    }
  }

  /** Ids of the images that running containers (anyone's, not only Slipway's) were started from. */
  async inUse(): Promise<Set<string>> {
    try {
      const containers = await this.docker.listContainers({ all: false });
      return new Set(containers.map((c) => c.ImageID));
    } catch (error) {
      throw dockerFailure('list containers', this.host, error);
    }
  }
}

/** A build context whose Dockerfile says `FROM ref` and `LABEL …`: one step that relabels `ref`. */
export async function* relabelContext(ref: string, labels: Labels): AsyncGenerator<Buffer> {
  const pack = tar.pack();
  const pairs = Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`);
  pack.entry({ name: 'Dockerfile', mode: 0o644, mtime: new Date(0) }, `FROM ${checkImageRef(ref)}\nLABEL ${pairs.join(' ')}\n`);
  pack.finalize();
  for await (const chunk of pack as AsyncIterable<unknown>) {
    if (!Buffer.isBuffer(chunk)) throw new TypeError('tar stream produced a chunk that is not a Buffer');
    yield chunk;
  }
}
