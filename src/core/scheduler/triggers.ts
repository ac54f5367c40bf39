// The scheduler family's answer to `post-delete`: after the app's processes were stopped and its
// data removed, every engine drops what it still holds for the app (docker-local: containers,
// images and volumes under the app's label). Never fails the delete: it only warns.
import type { Services } from '../../services.js';
import type { CoreTrigger } from '../../plugins/host.js';
import { prefix } from '../../log.js';
import { isValidAppName } from '../../names.js';
import { defaultSchedulers } from '../../scheduler/registry.js';

export function schedulerTriggers(_services: Services): Record<string, CoreTrigger> {
  return {
    'post-delete': async ([app], ctx) => {
      if (!app || !isValidAppName(app)) return '';
      let said = '';
      for (const engine of defaultSchedulers().all()) {
        if (!engine.removeApp) continue;
        try {
          const line = await engine.removeApp(app);
          if (line !== undefined && !ctx.flags.quiet) said += `${prefix.info1}${line}\n`;
        } catch (error) {
          ctx.io.stderr.write(`${prefix.warn}${error instanceof Error ? error.message : String(error)}\n`);
        }
      }
      return said;
    },
  };
}
