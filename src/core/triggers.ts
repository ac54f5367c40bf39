// Read triggers answered by the core, so bash plugins can ask through `plugn trigger`.
import type { Services } from '../services.js';
import { isValidAppName } from '../names.js';

export function coreTriggers(services: Services): Record<string, (args: string[]) => Promise<string>> {
  return {
    'app-exists': async ([app]) => (app && isValidAppName(app) && (await services.store.apps.exists(app)) ? 'true\n' : 'false\n'),
    'apps-list': async () => (await services.store.apps.list()).map((a) => `${a}\n`).join(''),
  };
}
