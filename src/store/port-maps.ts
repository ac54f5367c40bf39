// An app's proxy port mappings, `scheme:host-port:container-port`, where Dokku's ports plugin keeps
// them: list properties `map` (set by ports:*) and `map-detected` at $DOKKU_LIB_ROOT/config/ports/APP/,
// one mapping a line, sorted. Parsed and checked as Dokku's ports plugin parses and checks them.
import { SlipwayError } from '../errors.js';
import type { PropertyStore } from './properties.js';
import type { AppName } from '../names.js';

export interface PortMap {
  scheme: string;
  hostPort: number;
  /** 0 for a bare host port (`8080`), which only ports:remove takes (every mapping of that host port). */
  containerPort: number;
}

/** A bare host port: Dokku's `__internal__` scheme, never written. */
export const BARE = '__internal__';

/** What Dokku assumes when an app has no mapping: http on 80 to the app's PORT (5000 in Dokku's containers). */
export const DEFAULT_CONTAINER_PORT = 5000;
export const DEFAULT_PORT_MAP: PortMap = { scheme: 'http', hostPort: 80, containerPort: DEFAULT_CONTAINER_PORT };

export function formatPortMap(map: PortMap): string {
  return `${map.scheme}:${map.hostPort}:${map.containerPort}`;
}

/** Go's strconv.Atoi, with its error text (Dokku shows it). */
function atoi(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`);
  return value;
}

const inRange = (value: number) => value > 0 && value < 65536;

/** A stored port property: a whole number in 1–65535, else none. */
export function portValue(text: string | undefined): number | undefined {
  const trimmed = text?.trim() ?? '';
  if (!/^\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return inRange(value) ? value : undefined;
}

function invalid(word: string, detail: string): SlipwayError {
  return new SlipwayError('E_INVALID_PORT_MAP', `Invalid port map ${word} [${detail}]`, 1);
}

/**
 * Dokku's parsePortMapString: the words joined by spaces and split on single spaces, each
 * `scheme:host:container` or a bare host port, ports in 1–65535. One difference: a scheme with
 * spaces, control characters or non-ASCII is refused (it would break the one-per-line file).
 */
export function parsePortMaps(words: readonly string[]): PortMap[] {
  const maps: PortMap[] = [];
  for (const word of words.join(' ').trim().split(' ')) {
    const parts = word.split(':');
    const [scheme, host, container] = [parts[0], parts[1], parts.slice(2).join(':')];
    const number = (text: string) => {
      try {
        return atoi(text);
      } catch (error) {
        throw invalid(word, `err=${(error as Error).message}`);
      }
    };
    if (parts.length === 1) {
      const hostPort = number(word);
      if (!inRange(hostPort)) throw invalid(word, `hostPort=${hostPort}`);
      maps.push({ scheme: BARE, hostPort, containerPort: 0 });
      continue;
    }
    if (parts.length < 3) throw invalid(word, `len=${parts.length}`);
    const hostPort = number(host);
    const containerPort = number(container);
    if (!inRange(hostPort)) throw invalid(word, `hostPort=${hostPort}`);
    if (!inRange(containerPort)) throw invalid(word, `containerPort=${containerPort}`);
    if (!/^[\x21-\x7e]*$/.test(scheme)) throw invalid(word, `scheme=${JSON.stringify(scheme)}`);
    maps.push({ scheme, hostPort, containerPort });
  }
  return maps;
}

/** Dokku's reusesSchemeHostPort: one mapping per scheme:host-port. */
export function reusedSchemeHostPort(maps: readonly PortMap[]): string | undefined {
  const seen = new Set<string>();
  for (const map of maps) {
    const key = `${map.scheme}:${map.hostPort}`;
    if (seen.has(key)) return `The same scheme:host-port is being reused: ${key}`;
    seen.add(key);
  }
  return undefined;
}

/** Lines of a list property, read leniently (a line that does not parse is skipped, as Dokku ignores it). */
function readList(text: string | undefined): PortMap[] {
  const maps: PortMap[] = [];
  for (const line of (text ?? '').split('\n')) {
    if (!line.trim()) continue;
    try {
      maps.push(...parsePortMaps([line.trim()]).filter((m) => m.scheme !== BARE));
    } catch {
      // Dokku's getPortMaps drops what it cannot parse too; ports:set writes only what parsed.
      continue;
    }
  }
  return maps;
}

export class PortMapStore {
  constructor(private readonly properties: PropertyStore) {}

  /** The mappings ports:* set (empty when none). */
  async get(app: AppName): Promise<PortMap[]> {
    return readList(await this.properties.get('ports', app, 'map'));
  }

  /** What Dokku detected at the last deploy, or its default `http:80:5000`. */
  async detected(app: AppName): Promise<PortMap[]> {
    const maps = readList(await this.properties.get('ports', app, 'map-detected'));
    return maps.length ? maps : [DEFAULT_PORT_MAP];
  }

  /** Writes the mappings (bare host ports left out), sorted, one a line; none: the property goes. */
  async set(app: AppName, maps: readonly PortMap[]): Promise<void> {
    const lines = maps.filter((m) => m.scheme !== BARE).map(formatPortMap).sort();
    if (!lines.length) return this.properties.delete('ports', app, 'map');
    await this.properties.set('ports', app, 'map', lines.map((l) => `${l}\n`).join(''));
  }

  /**
   * Dokku's `proxy-port` (the `proxy` plugin's property, app then `--global`): where an app without
   * vhosts is served over http. A value that is no port counts as unset (Dokku's Atoi reads it as 0).
   */
  async proxyPort(app: AppName): Promise<number | undefined> {
    return portValue(await this.properties.effective('proxy', app, 'proxy-port'));
  }

  /** Dokku's `proxy-ssl-port`, the same for https (apps without vhosts that have a certificate). */
  async proxySslPort(app: AppName): Promise<number | undefined> {
    return portValue(await this.properties.effective('proxy', app, 'proxy-ssl-port'));
  }

  /** The app's own value (none: the property goes). */
  async setProxyPort(app: AppName, port: number | undefined): Promise<void> {
    if (port === undefined) return this.properties.delete('proxy', app, 'proxy-port');
    await this.properties.set('proxy', app, 'proxy-port', String(port));
  }

  async setProxySslPort(app: AppName, port: number | undefined): Promise<void> {
    if (port === undefined) return this.properties.delete('proxy', app, 'proxy-ssl-port');
    await this.properties.set('proxy', app, 'proxy-ssl-port', String(port));
  }

  async clear(app: AppName): Promise<void> {
    await this.properties.delete('ports', app, 'map');
    await this.properties.delete('ports', app, 'map-detected');
  }
}
