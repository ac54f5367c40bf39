// Connection limits for the SSH door. Unauthenticated connections are counted from the TCP
// accept (before the client sends a byte), closed when the login grace runs out, and capped
// per source address and in total by evicting the OLDEST unauthenticated connection, so a
// flood of silent sockets never locks out a real client, even one from the same address.
// Authenticated connections have their own per-address cap, checked when login succeeds.

export interface ConnectionLimits {
  loginGraceSeconds: number;
  maxUnauthenticated: number;
  maxUnauthenticatedPerAddress: number;
  maxConnectionsPerAddress: number;
}

/** What the limiter needs from a socket (net.Socket satisfies it; unit tests pass fakes). */
export interface TrackedSocket {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  destroy(): void;
  once(event: 'close', listener: () => void): unknown;
}

interface Entry {
  socket: TrackedSocket;
  address: string;
  key: string;
  state: 'pending' | 'authenticated' | 'closed';
  timer?: NodeJS.Timeout;
}

function peerKey(address: string | undefined, port: number | undefined): string {
  return `${address ?? '?'}|${port ?? 0}`;
}

export class ConnectionLimiter {
  /** Unauthenticated connections, oldest first (Set keeps insertion order). */
  private readonly pending = new Set<Entry>();
  private readonly pendingByAddress = new Map<string, Set<Entry>>();
  private readonly byPeer = new Map<string, Entry>();
  private readonly authenticatedByAddress = new Map<string, number>();

  constructor(private readonly limits: ConnectionLimits, private readonly log: (line: string) => void) {}

  get unauthenticatedCount(): number { return this.pending.size; }

  /** A new TCP connection: start its login clock, then make room by evicting the oldest. */
  admit(socket: TrackedSocket): void {
    const address = socket.remoteAddress ?? '?';
    const entry: Entry = { socket, address, key: peerKey(address, socket.remotePort), state: 'pending' };
    this.byPeer.set(entry.key, entry);
    this.pending.add(entry);
    let mine = this.pendingByAddress.get(address);
    if (!mine) this.pendingByAddress.set(address, (mine = new Set()));
    mine.add(entry);
    entry.timer = setTimeout(() => this.evict(entry, 'login grace time expired'), this.limits.loginGraceSeconds * 1000);
    entry.timer.unref();
    socket.once('close', () => this.forget(entry));

    if (mine.size > this.limits.maxUnauthenticatedPerAddress) {
      this.evict(mine.values().next().value as Entry, `more than ${this.limits.maxUnauthenticatedPerAddress} unauthenticated connections from this address`);
    }
    if (this.pending.size > this.limits.maxUnauthenticated) {
      const victim = this.oldestOfBusiestAddress();
      if (victim) this.evict(victim, `more than ${this.limits.maxUnauthenticated} unauthenticated connections in total`);
    }
  }

  /** Whether the connection from address:port may log in now (it is pending and its address has room). */
  mayAuthenticate(address: string | undefined, port: number | undefined): boolean {
    const entry = this.byPeer.get(peerKey(address, port));
    if (!entry || entry.state !== 'pending') return false;
    return (this.authenticatedByAddress.get(entry.address) ?? 0) < this.limits.maxConnectionsPerAddress;
  }

  /**
   * The connection from address:port has logged in. False when it is unknown (already closed or
   * evicted) or its address already holds maxConnectionsPerAddress logged-in connections.
   */
  authenticate(address: string | undefined, port: number | undefined): boolean {
    const entry = this.byPeer.get(peerKey(address, port));
    if (!entry || entry.state !== 'pending') return false;
    const count = this.authenticatedByAddress.get(entry.address) ?? 0;
    if (count >= this.limits.maxConnectionsPerAddress) {
      this.log(`refusing login from ${entry.address}: it already has ${count} connections (SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS)`);
      return false;
    }
    this.leavePending(entry);
    entry.state = 'authenticated';
    this.authenticatedByAddress.set(entry.address, count + 1);
    return true;
  }

  /** Server shutdown: drop every connection that has not logged in. */
  closeUnauthenticated(): void {
    for (const entry of [...this.pending]) this.evict(entry, 'server shutting down');
  }

  /** The busiest address pays for a full table, so one flooder cannot evict everyone else. */
  private oldestOfBusiestAddress(): Entry | undefined {
    let victim: Entry | undefined;
    let most = 0;
    for (const entries of this.pendingByAddress.values()) {
      if (entries.size > most) {
        most = entries.size;
        victim = entries.values().next().value;
      }
    }
    return victim;
  }

  private leavePending(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    this.pending.delete(entry);
    const mine = this.pendingByAddress.get(entry.address);
    mine?.delete(entry);
    if (mine && mine.size === 0) this.pendingByAddress.delete(entry.address);
  }

  private evict(entry: Entry, reason: string): void {
    if (entry.state !== 'pending') return;
    this.log(`closing unauthenticated connection from ${entry.address}: ${reason}`);
    this.leavePending(entry);
    entry.state = 'closed';
    entry.socket.destroy();
  }

  private forget(entry: Entry): void {
    if (entry.state === 'pending') this.leavePending(entry);
    if (entry.state === 'authenticated') {
      const left = (this.authenticatedByAddress.get(entry.address) ?? 1) - 1;
      if (left <= 0) this.authenticatedByAddress.delete(entry.address);
      else this.authenticatedByAddress.set(entry.address, left);
    }
    entry.state = 'closed';
    if (this.byPeer.get(entry.key) === entry) this.byPeer.delete(entry.key);
  }
}
