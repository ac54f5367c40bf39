// ports:* — an app's proxy port mappings (`scheme:host-port:container-port`) as Dokku's ports plugin
// keeps them: list, add, remove, set, clear, report. Each change fires post-proxy-ports-update and
// republishes the app's route; the built-in proxy serves the http and https mappings of its own
// listeners, nginx every http and https mapping.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { RunContext } from '../../plugins/host.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { existingApp, out } from '../shared/invocation.js';
import { runReport } from '../report/run-report.js';
import { log } from '../../log.js';
import { SlipwayError } from '../../errors.js';
import { BARE, formatPortMap, parsePortMaps, reusedSchemeHostPort, type PortMap } from '../../store/index.js';
import { servesPortMap, servesTlsPortMap } from '../../deploy/routes.js';

type Action = 'add' | 'remove' | 'set' | 'clear';

/** The mappings given after the app, parsed; none given is Dokku's error. */
function givenMaps(inv: Invocation): PortMap[] {
  const words = inv.args.slice(1);
  if (!words.length) throw new SlipwayError('E_NO_PORT_MAPS', 'No port mapping specified', 1);
  return parsePortMaps(words);
}

function checkReuse(maps: PortMap[], what: string): void {
  const reused = reusedSchemeHostPort(maps);
  if (reused) throw new SlipwayError('E_PORT_MAP_REUSED', `${what}${reused}`, 1);
}

/**
 * After a change: one warning line for each stored mapping the app's proxy does not serve
 * (ports:report keeps showing it), then Dokku's post-proxy-ports-update, then the route again.
 */
async function changed(inv: Invocation, services: Services, ctx: RunContext, app: AppName, action: Action): Promise<void> {
  const platform = services.platform;
  if (platform && action !== 'clear' && action !== 'remove') {
    const type = await services.store.proxy.computedType(app);
    // Without vhosts every http mapping is served on its own port (domains:disable), and every
    // https one too once the app has a certificate (Dokku's nginx ignores it until then, and says so).
    const vhostless = !await services.store.domains.vhostEnabled(app);
    const hasCert = await services.store.certs.get(app) !== undefined;
    for (const map of await services.store.ports.get(app)) {
      if (vhostless && (map.scheme === 'http' || (map.scheme === 'https' && hasCert))) continue;
      if (vhostless && map.scheme === 'https') {
        log.warn(out(inv), `Ignoring detected https port mapping without an accompanying ssl certificate (${formatPortMap(map)})`);
        continue;
      }
      const why = unservedReason(map, type, platform.httpPort, platform.httpsPort, app);
      if (why) log.warn(out(inv), `${formatPortMap(map)} is kept, but ${why}`);
    }
  }
  await services.plugins.fire('post-proxy-ports-update', { APP: app, ACTION: action }, ctx);
  await platform?.routesChanged(app);
}

/** Why the app's proxy leaves a mapping unserved, or undefined when it serves it. */
function unservedReason(map: PortMap, type: string, httpPort: number, httpsPort: number | undefined, app: AppName): string | undefined {
  if (type === 'nginx') return map.scheme === 'http' || map.scheme === 'https' ? undefined : 'nginx serves http and https mappings only';
  if (servesPortMap(map, httpPort) || servesTlsPortMap(map, httpsPort)) return undefined;
  const https = httpsPort === undefined ? '' : ` and on port ${httpsPort} for https`;
  return `the built-in proxy does not serve it: it listens on port ${httpPort} for http${https} (host ports 80 and 443 stand for them); nginx serves other ports (proxy:set ${app} nginx)`;
}

/** Dokku's list: columnize over `scheme:host port:container port` lines, `:` as the delimiter, four spaces in. */
function portTable(maps: PortMap[], quiet: boolean): string {
  const lines = maps.map(formatPortMap);
  if (!quiet) lines.push('-----> scheme:host port:container port');
  const rows = lines.sort().map((line) => line.split(':').map((cell) => cell.trim()));
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `    ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}\n`).join('');
}

/** Go's json.Marshal of Dokku's PortMap list. */
function portMapsJson(maps: PortMap[]): string {
  return JSON.stringify(maps.map((m) => ({ container_port: m.containerPort, host_port: m.hostPort, scheme: m.scheme })))
    .replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const MAP_ARGS = '<scheme>:<host-port>:<container-port>';

export const portsCommands: CommandSet = {
  plugin: 'ports',
  summary: 'Manage ports for an app',
  access: { who: 'app' },
  commands: [
    {
      name: 'ports:list',
      help: { usage: 'ports:list <app>', description: 'List port mappings for app' },
      async run(inv, services) {
        const app = await existingApp(services, inv.args[0]);
        const maps = await services.store.ports.get(app);
        if (!maps.length) throw new SlipwayError('E_NO_PORT_MAPS', 'No port mappings configured for app', 1);
        log.info1(out(inv), `Port mappings for ${app}`);
        inv.io.stdout.write(portTable(maps, inv.flags.quiet));
      },
    },
    {
      name: 'ports:add',
      help: { usage: `ports:add <app> [${MAP_ARGS}...]`, description: 'Add port mappings to an app' },
      async run(inv, services, ctx) {
        const app = await existingApp(services, inv.args[0]);
        const maps = givenMaps(inv);
        checkReuse(maps, 'Error validating new port mappings: ');
        const all = [...(await services.store.ports.get(app)), ...maps];
        checkReuse(all, 'Error validating all port mappings: ');
        await services.store.ports.set(app, all);
        await changed(inv, services, ctx, app, 'add');
      },
    },
    {
      name: 'ports:remove',
      help: { usage: `ports:remove <app> [<host-port>|${MAP_ARGS}...]`, description: 'Remove specific port mappings from an app' },
      async run(inv, services, ctx) {
        const app = await existingApp(services, inv.args[0]);
        const maps = givenMaps(inv);
        const exact = new Set(maps.filter((m) => m.scheme !== BARE).map(formatPortMap));
        const hostPorts = new Set(maps.filter((m) => m.scheme === BARE).map((m) => m.hostPort));
        const kept = (await services.store.ports.get(app)).filter((m) => !exact.has(formatPortMap(m)) && !hostPorts.has(m.hostPort));
        await services.store.ports.set(app, kept);
        await changed(inv, services, ctx, app, 'remove');
      },
    },
    {
      name: 'ports:set',
      help: { usage: `ports:set <app> [${MAP_ARGS}...]`, description: 'Set port mappings for an app' },
      async run(inv, services, ctx) {
        const app = await existingApp(services, inv.args[0]);
        const maps = givenMaps(inv);
        checkReuse(maps, 'Error validating port mappings: ');
        await services.store.ports.set(app, maps);
        await changed(inv, services, ctx, app, 'set');
      },
    },
    {
      name: 'ports:clear',
      help: { usage: 'ports:clear <app>', description: 'Clear all port mappings for an app' },
      async run(inv, services, ctx) {
        const app = await existingApp(services, inv.args[0]);
        await services.store.ports.clear(app);
        await changed(inv, services, ctx, app, 'clear');
      },
    },
    {
      name: 'ports:report',
      help: { usage: 'ports:report [<app>] [<flag>]', description: 'Displays a ports report for one or more apps' },
      run(inv, services) {
        return runReport(inv, services, {
          type: 'ports',
          legacyKeys: true,
          async app(app) {
            const maps = await services.store.ports.get(app);
            const detected = await services.store.ports.detected(app);
            return [
              ['--ports-map', maps.map(formatPortMap).join(' ')],
              ['--ports-map-json', portMapsJson(maps)],
              ['--ports-map-detected', detected.map(formatPortMap).join(' ')],
              ['--ports-map-detected-json', portMapsJson(detected)],
            ];
          },
          global: async () => [],
        });
      },
    },
  ],
};
