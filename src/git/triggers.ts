// The git family's answers to triggers: `post-create APP` makes the app's bare repo at once, as
// Dokku's git plugin does, so git:report, hooks and git:sync work before the first push.
import type { Services } from '../services.js';
import { parseAppName } from '../names.js';
import { ensureRepo } from './repo.js';

export function gitTriggers(services: Services): Record<string, (args: string[]) => Promise<string>> {
  return {
    'post-create': async ([app]) => {
      await ensureRepo(services, parseAppName(app ?? ''));
      return '';
    },
  };
}
