// logs APP [-t] [-n N] [-p TYPE]: an app's process output, `TIME app[web.1]: text` lines;
// -t keeps following until the client disconnects.
import type { CommandSet } from '../../commands/registry.js';
import { existingApp } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { UsageError } from '../../errors.js';
import { prefix } from '../../log.js';

/** Output waiting for a slow `logs -t` reader, at most (the rest is dropped and counted). */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

const USAGE = 'logs <app> [-n|--num NUM] [-p|--ps TYPE] [-t|--tail] [-q|--quiet]';

export const logsCommands: CommandSet = {
  plugin: 'logs',
  summary: 'Show the output of an app\'s processes',
  access: { who: 'app' },
  commands: [
    {
      name: 'logs',
      options: ['-t', '--tail', '-q', '--quiet', '-n=', '--num=', '-p=', '--ps='],
      help: { usage: USAGE, description: 'Display recent log output (-t follows it)' },
      async run(inv, services) {
        const { set, values, positional } = inv.options;
        const app = await existingApp(services, positional[0]);
        if (positional.length > 1) throw new UsageError(`Too many arguments. Usage: dokku ${USAGE}`);
        const num = values.get('-n') ?? values.get('--num') ?? '100';
        if (!/^\d+$/.test(num)) throw new UsageError('-n takes a number of lines');
        const type = values.get('-p') ?? values.get('--ps');
        if (type !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) throw new UsageError('-p takes a process type, e.g. web');
        const quiet = set.has('-q') || set.has('--quiet');
        const stdout = inv.io.stdout;
        let dropped = 0;
        const write = (line: string) => {
          // The client left: the follower is being stopped; nothing more is sent.
          if (inv.signal.aborted) return;
          // A client that stays connected but does not read would make the server hold every line:
          // past MAX_PENDING_BYTES lines are dropped, and the client is told how many.
          if (stdout.writableLength > MAX_PENDING_BYTES) { dropped++; return; }
          if (dropped) {
            inv.io.stderr.write(`${prefix.warn}${dropped} log lines dropped: the client read too slowly\n`);
            dropped = 0;
          }
          // --quiet: the raw output, without the timestamp and process prefix.
          stdout.write(`${quiet ? line.replace(/^\S+ app\[[^\]]*\]: /, '') : line}\n`);
        };
        await requirePlatform(services).logs(app, { lines: Number(num), follow: set.has('-t') || set.has('--tail'), type }, write, inv.signal);
      },
    },
  ],
};
