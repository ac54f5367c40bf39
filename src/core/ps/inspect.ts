// `ps:inspect APP` (each engine's own description of the app's processes: docker-local's container
// inspect documents) and the hidden `docker:image-id REF` that plugins' `get_image_id` calls.
import type { CommandSet } from '../../commands/registry.js';
import { existingApp, requireArgs } from '../shared/invocation.js';
import { NotFoundError } from '../../errors.js';
import { defaultSchedulers } from '../../scheduler/registry.js';

const quiet = () => undefined;

export const psInspectCommands: CommandSet = {
  plugin: 'ps',
  // No summary: `ps` is listed by the main ps set.
  summary: '',
  access: { who: 'app' },
  commands: [
    {
      name: 'ps:inspect',
      help: { usage: 'ps:inspect <app>', description: 'Show the container inspect output of the app\'s containers (docker-local)' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'ps:inspect <app>');
        const app = await existingApp(services, inv.args[0]);
        const documents: unknown[] = [];
        for (const engine of defaultSchedulers().all()) {
          if (engine.inspect) documents.push(...(await engine.inspect({ store: services.store, log: quiet }, app)));
        }
        if (documents.length === 0) throw new NotFoundError('E_NO_CONTAINERS', `App ${app} has no containers (it does not run on the docker-local scheduler)`);
        inv.io.stdout.write(`${JSON.stringify(documents, null, 4)}\n`);
      },
    },
    {
      // Hidden: the bash helper get_image_id is its interface.
      name: 'docker:image-id',
      access: { who: 'admin' },
      async run(inv) {
        requireArgs(inv.args, 1, 'docker:image-id <image-ref>');
        const engine = defaultSchedulers().all().find((e) => e.imageId);
        if (!engine?.imageId) throw new NotFoundError('E_IMAGE_NOT_FOUND', `${inv.args[0]} image not found`);
        inv.io.stdout.write(`${await engine.imageId(inv.args[0])}\n`);
      },
    },
  ],
};
