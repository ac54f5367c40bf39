// Which peers may speak for the client: SLIPWAY_TRUSTED_PROXIES lists addresses and CIDR ranges
// (a load balancer in front); only their X-Forwarded-* headers are kept, everyone else's replaced.
import net from 'node:net';

export interface TrustedProxies {
  /** True when `address` (a socket's remoteAddress) is a configured proxy. */
  has(address: string | undefined): boolean;
}

/** Nobody is trusted: the default, and the answer for an empty list. */
export const trustNobody: TrustedProxies = { has: () => false };

/** A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; lists and upstreams use a.b.c.d. */
export function plainAddress(address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** Entries come checked from settings.ts (`203.0.113.7`, `10.0.0.0/8`, `::1`, `fd00::/8`). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  if (entries.length === 0) return trustNobody;
  const list = new net.BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const type = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return {
    has(raw) {
      const address = plainAddress(raw);
      if (address === undefined) return false;
      const family = net.isIP(address);
      return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
