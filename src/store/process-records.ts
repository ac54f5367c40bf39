// What the process scheduler started, kept under the app's data folder so the next server can
// adopt it: $DOKKU_LIB_ROOT/data/processes/APP/GENERATION/ holds generation.json (release, scale,
// config digest, each instance's pid and kernel start time), a plain `web.1.pid` per live
// instance, and `web.1.out`, the file the instance writes its stdout/stderr to.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Layout } from './layout.js';
import type { AppName } from '../names.js';
import type { Scale } from './ps-store.js';
import { readFileOr, writeFileAtomic } from './atomic.js';
import { unlessMissing } from '../os/missing.js';
import { ProcessOutput } from './process-output.js';

export interface InstanceRecord {
  /** `web.1` */
  id: string;
  type: string;
  index: number;
  port?: number;
  /** The running process (its group's leader); absent while it is not running. */
  pid?: number;
  /** /proc/PID/stat start time: tells our process apart from a later one that reused the pid. */
  startTime?: string;
  startedAt?: string;
}

export interface GenerationRecord {
  app: AppName;
  generation: string;
  version: number;
  /** The build directory the instances run in. */
  dir: string;
  scale: Scale;
  /** Digest of the environment the instances were started with (their config). */
  envDigest: string;
  instances: InstanceRecord[];
}

const RECORD = 'generation.json';
const GENERATION_NAME = /^[a-z0-9][a-z0-9.-]*$/;

export class ProcessRecordStore {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly layout: Layout) {}

  /** Marks every process the scheduler starts for this data dir (its value names the folder). */
  get owner(): string { return this.layout.processesRoot(); }

  private dir(app: AppName, generation: string): string {
    if (!GENERATION_NAME.test(generation)) throw new Error(`bad generation name ${generation}`);
    return path.join(this.layout.processesDir(app), generation);
  }

  /** Every generation recorded for every app (unreadable records are skipped). */
  async all(): Promise<GenerationRecord[]> {
    const root = this.layout.processesRoot();
    const records: GenerationRecord[] = [];
    for (const app of await unlessMissing(fs.readdir(root), [] as string[])) {
      for (const generation of await unlessMissing(fs.readdir(path.join(root, app)), [] as string[])) {
        const text = await readFileOr(path.join(root, app, generation, RECORD), '');
        try {
          if (text) records.push(JSON.parse(text) as GenerationRecord);
        } catch {
          // Atomic writes never tear a record; one that does not parse describes nothing we run.
        }
      }
    }
    return records;
  }

  /** Write the record and the instances' pid files; calls for one generation land in order. */
  save(record: GenerationRecord): Promise<void> {
    const dir = this.dir(record.app, record.generation);
    const text = JSON.stringify(record, null, 2) + '\n';
    return this.queue(dir, async () => {
      await writeFileAtomic(path.join(dir, RECORD), text, 0o644);
      for (const instance of record.instances) {
        const pidFile = path.join(dir, `${instance.id}.pid`);
        if (instance.pid !== undefined) await writeFileAtomic(pidFile, `${instance.pid}\n`, 0o644);
        else await fs.rm(pidFile, { force: true });
      }
    });
  }

  /** Forget a generation whose processes are gone (its output file goes too). */
  remove(app: AppName, generation: string): Promise<void> {
    const dir = this.dir(app, generation);
    return this.queue(dir, async () => {
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rmdir(this.layout.processesDir(app)).catch(() => undefined); // only when it is empty
    });
  }

  /** The output file of one instance: what it writes, and what the server has read of it. */
  output(app: AppName, generation: string, id: string): ProcessOutput {
    return new ProcessOutput(path.join(this.dir(app, generation), `${id}.out`));
  }

  /** Resolves once every queued write has landed. */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  private queue(key: string, step: () => Promise<void>): Promise<void> {
    const next = (this.chains.get(key) ?? Promise.resolve()).then(step);
    const settled = next.catch(() => undefined);
    this.chains.set(key, settled);
    void settled.then(() => { if (this.chains.get(key) === settled) this.chains.delete(key); });
    return next;
  }
}
