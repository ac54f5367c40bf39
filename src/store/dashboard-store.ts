// The web dashboard's state: one-time login tokens and open sessions, each stored only as a sha256
// hash of its secret (the secret is shown once, in a URL or a cookie). Written atomically under a lock.
import path from 'node:path';
import type { Layout } from './layout.js';
import { readFileOr, writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';

/** What a login token or a session acts as: one SSH key, by name and fingerprint. */
export interface DashboardGrant {
  /** The SSH key's name (SSH_NAME). */
  name: string;
  /** The key's fingerprint then: a later key of the same name gets nothing. */
  fingerprint: string;
  /** Hex sha256 of the secret. */
  sha256: string;
  created: string;
  /** ISO time after which it is refused. */
  expires: string;
}

export interface DashboardSession extends DashboardGrant {
  /** Short public id (dashboard:sessions, dashboard:logout ID). */
  id: string;
  /** The browser's address and user agent at login, for dashboard:sessions. */
  from: string;
}

interface DashboardState { tokens: DashboardGrant[]; sessions: DashboardSession[] }

export class DashboardStore {
  constructor(private readonly layout: Layout) {}

  private file(): string { return path.join(this.layout.dashboardDir(), 'state.json'); }

  async read(): Promise<DashboardState> {
    const parsed = JSON.parse(await readFileOr(this.file(), '{"tokens":[],"sessions":[]}')) as Partial<DashboardState>;
    return { tokens: Array.isArray(parsed.tokens) ? parsed.tokens : [], sessions: Array.isArray(parsed.sessions) ? parsed.sessions : [] };
  }

  /** Read-modify-write under the dashboard lock; mutate changes the state in place and returns its answer. */
  async update<T>(mutate: (state: DashboardState) => T): Promise<T> {
    return withLock(this.layout.lockFile('dashboard'), async () => {
      const state = await this.read();
      const answer = mutate(state);
      await writeFileAtomic(this.file(), JSON.stringify(state, null, 2) + '\n', 0o600);
      return answer;
    });
  }
}
