// run APP CMD…: a one-off process in the app's current release with its config as env; stdin
// and output are the caller's, and the command's exit code is the command's exit code.
import type { CommandSet } from '../commands/registry.js';
import { existingApp, requireArgs } from './common.js';
import { requirePlatform } from './runtime.js';

const USAGE = 'run [--no-tty] [--rm] <app> <cmd> [<args>...]';

export const runCommands: CommandSet = {
  plugin: 'run',
  summary: 'Run one-off commands in an app\'s environment',
  commands: [
    {
      name: 'run',
      help: { usage: USAGE, description: 'Run a one-off command in the app\'s release with its config' },
      async run(inv, services) {
        let args = inv.args;
        // Dokku's container options; processes here are always removed and never get a tty.
        while (args[0] === '--rm' || args[0] === '--no-tty' || args[0] === '--rm-container') args = args.slice(1);
        requireArgs(args, 2, USAGE);
        const app = await existingApp(services, args[0]);
        // Like `heroku run`, the words make one command line for the shell of the app's release.
        const command = args.slice(1).join(' ');
        return requirePlatform(services).run(app, command, { stdin: inv.io.stdin, stdout: inv.io.stdout, stderr: inv.io.stderr }, inv.signal);
      },
    },
  ],
};
