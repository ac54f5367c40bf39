// The apps family's answers to triggers bash plugins call through `plugn trigger` (app-exists,
// app-list print what they know; a second app-exists answer adds Dokku's exit status), and apps:clone's
// own triggers.
import type { Services } from '../../services.js';
import type { CoreTrigger, RunContext } from '../../plugins/host.js';
import type { AppName } from '../../names.js';
import { TriggerFailed } from '../../plugins/host.js';
import { isValidAppName } from '../../names.js';

export function coreTriggers(services: Services): Record<string, (args: string[]) => Promise<string>> {
  return {
    'app-exists': async ([app]) => (app && isValidAppName(app) && (await services.store.apps.exists(app)) ? 'true\n' : 'false\n'),
    'apps-list': async () => (await services.store.apps.list()).map((a) => `${a}\n`).join(''),
    'app-list': async () => (await services.store.apps.list()).map((a) => `${a}\n`).join(''),
  };
}

/** Registered after coreTriggers, so it runs second. */
export function pluginTriggers(services: Services): Record<string, CoreTrigger> {
  return {
    // The apps core prints true/false; Dokku plugins test the exit status
    // (`plugn trigger app-exists "$APP" || …`), so a missing app also exits 1.
    'app-exists': async ([app]) => {
      if (app && isValidAppName(app) && (await services.store.apps.exists(app))) return '';
      throw new TriggerFailed('app-exists', 'apps', 1);
    },
  };
}

/**
 * apps:clone's triggers, with Dokku's arguments from the trigger table: `setup` once the new app
 * exists and before it is built (post-app-clone-setup), `done` when the clone finished (post-app-clone).
 */
export async function fireAppClone(services: Services, phase: 'setup' | 'done', from: AppName, to: AppName, ctx: RunContext): Promise<void> {
  const names = { OLD_APP_NAME: from, NEW_APP_NAME: to };
  if (phase === 'setup') await services.plugins.fire('post-app-clone-setup', names, ctx);
  else await services.plugins.fire('post-app-clone', names, ctx);
}
