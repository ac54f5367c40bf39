// Dokku's nginx-dokku-template-source: at install (server start, plugin:install without a source),
// as Dokku's nginx-vhosts install does, a plugin may answer the path of a sigil template for
// dokku.conf, the file that includes every app's nginx.conf. Its rendering takes the place of
// Slipway's shared http settings; nginx is checked and reloaded when that changes.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Services } from '../../services.js';
import type { CoreTrigger } from '../../plugins/host.js';
import { renderDokkuConf } from '../../proxy/nginx/index.js';
import { SlipwayError } from '../../errors.js';
import { log } from '../../log.js';

export function dokkuConfTriggers(services: Services): Record<string, CoreTrigger> {
  return {
    install: async (_args, ctx) => {
      const nginx = services.platform?.nginx;
      if (!nginx) return '';
      const out = { stdout: ctx.io.stdout, stderr: ctx.io.stderr };
      const answer = (await services.plugins.fire('nginx-dokku-template-source', {}, ctx, { capture: true })).trim();
      let text: string | undefined;
      // As Dokku: an answer that names no file leaves the default template.
      const stat = answer ? await fs.stat(answer).catch(() => undefined) : undefined;
      if (stat?.isFile()) {
        try {
          text = renderDokkuConf({ text: await fs.readFile(answer, 'utf8'), name: path.basename(answer) }, services.settings.dokkuRoot);
        } catch (error) {
          // A broken template must not stop the server's start: Slipway's own settings stay.
          if (!(error instanceof SlipwayError)) throw error;
          log.warn(out, `${error.message}; nginx keeps Slipway's own dokku.conf settings`);
          text = undefined;
        }
      }
      if (!nginx.server.setDokkuConf(text) || (await nginx.server.masterPid()) === undefined) return '';
      try {
        await nginx.reload();
      } catch (error) {
        // nginx refused it: the running nginx keeps what it had, and the next config written is Slipway's own.
        if (!(error instanceof SlipwayError)) throw error;
        nginx.server.setDokkuConf(undefined);
        log.warn(out, `${error.message}; nginx keeps Slipway's own dokku.conf settings`);
      }
      return '';
    },
  };
}
