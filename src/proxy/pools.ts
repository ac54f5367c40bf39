// Keep-alive connection pools to upstreams, one per host:port, made on first use.
// Pools whose upstream left every route are closed gracefully: requests in flight finish first.
import { UpstreamPool, type UpstreamPoolOptions } from './upstream-pool.js';
import type { Upstream } from './types.js';

const keyOf = (upstream: Upstream): string => `${upstream.host}:${upstream.port}`;

export class UpstreamPools {
  private readonly pools = new Map<string, UpstreamPool>();
  /** Per route object, so the hot path skips building the key; retired with the pool. */
  private byUpstream = new WeakMap<Upstream, UpstreamPool>();

  constructor(private readonly options: UpstreamPoolOptions) {}

  get(upstream: Upstream): UpstreamPool {
    const cached = this.byUpstream.get(upstream);
    if (cached !== undefined) return cached;
    const key = keyOf(upstream);
    let pool = this.pools.get(key);
    if (pool === undefined) {
      // No deadlines on a response: long polls and slow downloads are legitimate.
      pool = new UpstreamPool(upstream.host.replace(/^\[(.*)\]$/, '$1'), upstream.port, this.options);
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
      pool.close();
    }
    if (retired) this.byUpstream = new WeakMap();
  }

  /** Cuts every upstream connection, busy or idle. */
  destroy(): void {
    for (const pool of this.pools.values()) pool.destroy();
    this.pools.clear();
    this.byUpstream = new WeakMap();
  }
}
