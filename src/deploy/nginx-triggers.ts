// Dokku's nginx triggers as Slipway fires them at each nginx.conf it writes for an app. That work
// may come from any command or from the server itself (a restore), so the triggers run as the
// server (SSH_USER dokku) and what they print goes to the server log, one line per line.
import type { PluginHost } from '../plugins/host.js';
import { requestRun } from '../plugins/host.js';
import { SERVER_IDENTITY } from '../request-context.js';
import { lineSink } from '../os/lines.js';
import type { NginxTriggers } from './nginx-template.js';

export function nginxTriggers(plugins: PluginHost, log: (line: string) => void, signal: AbortSignal): NginxTriggers {
  const run = (app: string) => {
    const sink = lineSink((line) => { if (line.trim()) log(`${app}: ${line}`); });
    return requestRun({ identity: SERVER_IDENTITY, signal }, { stdout: sink, stderr: sink }, { quiet: true });
  };
  return {
    templateSource: (app, type) => plugins.fire('nginx-app-template-source', { APP: app, TEMPLATE_TYPE: type }, run(app), { capture: true }),
    // Dokku passes its DOKKU_APP_LISTEN_PORT and _IP, empty since listeners are many: a plugin asks network-get-listeners.
    preReload: async (app) => { await plugins.fire('nginx-pre-reload', { APP: app, INTERNAL_PORT: '', INTERNAL_IP_ADDRESS: '' }, run(app)); },
  };
}
