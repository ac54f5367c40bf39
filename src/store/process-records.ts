// Which processes the process scheduler started (pid, kernel start time), so a server that died
// without stopping them can find and stop its orphans at the next start. One file, written whole.
import type { Layout } from './layout.js';
import { readFileOr, writeFileAtomic } from './atomic.js';

export interface ProcessRecord {
  app: string;
  id: string;
  pid: number;
  /** /proc/PID/stat start time: tells our process apart from a later one that reused the pid. */
  startTime: string;
}

export class ProcessRecordStore {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly layout: Layout) {}

  async read(): Promise<ProcessRecord[]> {
    const text = await readFileOr(this.layout.processesFile(), '[]');
    try {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? (parsed as ProcessRecord[]) : [];
    } catch {
      // A torn file cannot happen (atomic writes); anything else unreadable means no records.
      return [];
    }
  }

  /** Replace the records; writes are queued so the last call's list is what ends up on disk. */
  write(records: ProcessRecord[]): Promise<void> {
    const text = JSON.stringify(records) + '\n';
    this.chain = this.chain.then(() => writeFileAtomic(this.layout.processesFile(), text));
    return this.chain;
  }
}
