// Dokku's nginx-hostname trigger: a plugin names an app's default hostname under a global domain.
// Dokku asks it when it writes an app's default VHOST lines; Slipway's defaults follow the global
// domains at every read, so it is asked there, and only when some plugin implements it.
import { Writable } from 'node:stream';
import { requestRun, type PluginHost } from '../../plugins/host.js';
import { SERVER_IDENTITY } from '../../request-context.js';
import { SlipwayError } from '../../errors.js';
import type { HostnameHook } from '../../store/domain-store.js';

export function nginxHostnameHook(plugins: PluginHost, warn: (line: string) => void): HostnameHook {
  const never = new AbortController().signal;
  return async (app, subdomain, vhost) => {
    if (!(await plugins.implements('nginx-hostname'))) return '';
    const stderr = new Writable({ write(chunk: Buffer, _encoding, done) { warn(chunk.toString()); done(); } });
    try {
      return await plugins.fire('nginx-hostname', { APP: app, SUBDOMAIN: subdomain, VHOST: vhost },
        requestRun({ identity: SERVER_IDENTITY, signal: never }, { stdout: stderr, stderr }, { quiet: true }), { capture: true });
    } catch (error) {
      // Dokku reads the answer in a `local` assignment, which hides the exit status: the default name stands.
      if (!(error instanceof SlipwayError)) throw error;
      warn(` !     ${error.message}; ${app} keeps its default name under ${vhost}\n`);
      return '';
    }
  };
}
