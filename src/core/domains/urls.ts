// urls APP / url APP: where the proxy serves an app (its hostnames and the proxy's port; as Dokku,
// https URLs on the HTTPS port once the app has a certificate, since plain HTTP then redirects).
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { existingApp, requireArgs } from '../shared/invocation.js';
import { appUrls, vhostlessMaps } from '../../deploy/routes.js';
import type { AppName } from '../../names.js';

async function urls(inv: Invocation, services: Services): Promise<string[]> {
  return urlsOf(services, await existingApp(services, inv.args[0]));
}

/** Every URL of an app, as `urls` prints them (the dashboard shows the same list). */
export async function urlsOf(services: Services, app: AppName): Promise<string[]> {
  // Without vhosts (domains:disable), Dokku's: each global domain (else this host) on each port it is served on.
  if (!await services.store.domains.vhostEnabled(app)) {
    const global = await services.store.domains.global();
    const hosts = global.length ? global : [services.settings.httpListen.host];
    const shared = services.platform ? { http: services.platform.httpPort, https: services.platform.httpsPort } : { http: services.settings.httpListen.port, https: services.settings.httpsListen?.port };
    const maps = await vhostlessMaps(services.store, app, shared);
    return hosts.flatMap((host) => maps.flatMap((m) => appUrls([host], m.hostPort, m.scheme === 'https' ? 'https' : 'http')));
  }
  const hostnames = await services.store.domains.app(app);
  const httpsPort = services.platform ? services.platform.httpsPort : services.settings.httpsListen?.port;
  if (httpsPort !== undefined && await services.store.certs.get(app)) return appUrls(hostnames, httpsPort, 'https');
  const port = services.platform?.httpPort ?? services.settings.httpListen.port;
  return appUrls(hostnames, port);
}

export const urlsCommands: CommandSet = {
  plugin: 'urls',
  summary: 'Show where an app is served',
  access: { who: 'app' },
  commands: [
    {
      name: 'urls',
      help: { usage: 'urls <app>', description: 'List every URL of an app' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'urls <app>');
        for (const url of await urls(inv, services)) inv.io.stdout.write(`${url}\n`);
      },
    },
    {
      name: 'url',
      help: { usage: 'url <app>', description: 'Show the first URL of an app' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'url <app>');
        const first = (await urls(inv, services))[0];
        if (first === undefined) return 1;
        inv.io.stdout.write(`${first}\n`);
      },
    },
  ],
};
