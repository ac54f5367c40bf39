// Keep-alive connection pools to upstreams (undici), one per host:port, made on first use.
// Pools whose upstream left every route are closed gracefully: requests in flight finish first.
import { Pool } from 'undici';
import type { Upstream } from './types.js';

export interface PoolOptions {
  /** Connections per upstream, busy or idle; requests beyond it queue inside the proxy. */
  readonly connections: number;
}

const keyOf = (upstream: Upstream): string => `${upstream.host}:${upstream.port}`;

export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();
  /** Per route object, so the hot path skips building the key; retired with the pool. */
  private byUpstream = new WeakMap<Upstream, Pool>();

  constructor(private readonly options: PoolOptions) {}

  get(upstream: Upstream): Pool {
    const cached = this.byUpstream.get(upstream);
    if (cached !== undefined) return cached;
    const key = keyOf(upstream);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      const host = upstream.host.includes(':') && !upstream.host.startsWith('[') ? `[${upstream.host}]` : upstream.host;
      pool = new Pool(`http://${host}:${upstream.port}`, {
        connections: this.options.connections,
        // No deadlines on a response: long polls and slow downloads are legitimate (as before).
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      this.pools.set(key, pool);
    }
    this.byUpstream.set(upstream, pool);
    return pool;
  }

  /** Closes the pools of upstreams no longer in `live`, after their requests in flight. */
  retain(live: readonly Upstream[]): void {
    const keep = new Set(live.map(keyOf));
    let retired = false;
    for (const [key, pool] of this.pools) {
      if (keep.has(key)) continue;
      retired = true;
      this.pools.delete(key);
      pool.close().catch(() => undefined);
    }
    if (retired) this.byUpstream = new WeakMap();
  }

  /** Cuts every upstream connection, busy or idle. */
  async destroy(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    this.byUpstream = new WeakMap();
    await Promise.all(all.map((pool) => pool.destroy().catch(() => undefined)));
  }
}
