// The registry family's answers to the triggers Dokku's registry plugin answers, for plugins that
// ask with `plugn trigger`: where an app's image goes (deployed-app-repository + deployed-app-image-repo)
// and the tag last pushed with push-on-release (deployed-app-image-tag).
import type { Services } from '../../services.js';
import type { CoreTrigger } from '../../plugins/host.js';
import { TriggerFailed } from '../../plugins/host.js';
import { prefix } from '../../log.js';
import { isValidAppName } from '../../names.js';
import { REGISTRY_PLUGIN, computedImageRepo, registrySettings, serverPrefix } from '../../scheduler/registry-settings.js';

export function registryTriggers(services: Services): Record<string, CoreTrigger> {
  const store = services.store;
  return {
    'deployed-app-image-repo': async ([app], ctx) => {
      if (!app || !isValidAppName(app)) return '';
      try {
        return `${await computedImageRepo(store, app)}\n`;
      } catch (error) {
        // Dokku's words, then its exit status 1.
        ctx.io.stderr.write(`${prefix.warn}Unable to determine image repo from template: ${(error as Error).message.replace(/^Unable to execute image-repo-template: /, '')}\n`);
        throw new TriggerFailed('deployed-app-image-repo', REGISTRY_PLUGIN, 1);
      }
    },
    'deployed-app-image-tag': async ([app]) => {
      if (!app || !isValidAppName(app)) return '';
      if (!(await registrySettings(store, app, { fallback: true })).pushOnRelease) return '';
      return `${((await store.properties.get(REGISTRY_PLUGIN, app, 'tag-version')) ?? '').trim() || '1'}\n`;
    },
    'deployed-app-repository': async ([app]) => {
      if (!app || !isValidAppName(app)) return '';
      return `${serverPrefix((await registrySettings(store, app, { fallback: true })).server)}\n`;
    },
  };
}
