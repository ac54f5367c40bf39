// Binds a pre-receive hook to the push that spawned it: each receive-pack we start gets a
// random SLIPWAY_PUSH_ID; a hook request is honoured only for a live id, once.
import { randomBytes } from 'node:crypto';
import type { AppName } from '../names.js';
import type { Identity } from '../commands/types.js';

export interface PushRecord {
  id: string;
  app: AppName;
  repoDir: string;
  identity: Identity;
  /** Set when the hook has claimed this push: a second hook request is refused. */
  claimed: boolean;
  /** Set when the hook handed a ref of this push to the deployer (a deploy was attempted). */
  deployed: boolean;
  /** Resolves when the push is closed: receive-pack has exited, so its ref updates are done. */
  landed: Promise<void>;
}

export class PushRegistry {
  private readonly live = new Map<string, PushRecord>();
  private readonly closers = new WeakMap<PushRecord, () => void>();

  open(app: AppName, repoDir: string, identity: Identity): PushRecord {
    let closed!: () => void;
    const landed = new Promise<void>((resolve) => { closed = resolve; });
    const record: PushRecord = { id: randomBytes(24).toString('hex'), app, repoDir, identity, claimed: false, deployed: false, landed };
    this.live.set(record.id, record);
    this.closers.set(record, closed);
    return record;
  }

  /** The record for a hook request, once; undefined for an unknown, closed or claimed id. */
  claim(id: unknown): PushRecord | undefined {
    if (typeof id !== 'string' || !/^[0-9a-f]{48}$/.test(id)) return undefined;
    const record = this.live.get(id);
    if (!record || record.claimed) return undefined;
    record.claimed = true;
    return record;
  }

  close(record: PushRecord): void {
    this.live.delete(record.id);
    this.closers.get(record)?.();
  }
}
