#!/usr/bin/env node
// Entry point for `slipway`, `dokku` and `plugn`: `serve` starts the server; any other command
// runs inside the running server over the control socket (found by control/locate.ts), or in this
// process when none runs.
// Imports stay lazy so git hooks and forwarded commands start fast.
import type net from 'node:net';
import { loadSettings } from './settings.js';
import { sendRequest } from './control/client.js';
import { locateServer } from './control/locate.js';
import { prefix } from './log.js';

/** The running server and data folders this command uses; one stderr line when not the server's. */
async function locate() {
  const target = await locateServer();
  if (target.notice) process.stderr.write(`${prefix.warn}${target.notice}\n`);
  return target;
}

/** When a server runs, the command runs inside it (so it can restart apps). */
async function forward(socket: net.Socket | null, argv: string[]): Promise<number | null> {
  if (!socket) return null;
  const code = await sendRequest(socket, {
    kind: 'command',
    argv,
    user: process.env.SSH_USER,
    keyName: process.env.SSH_NAME,
    trace: Boolean(process.env.DOKKU_TRACE),
    quiet: Boolean(process.env.DOKKU_QUIET_OUTPUT),
  }, { stdin: process.stdin.isTTY ? undefined : process.stdin, stdout: process.stdout, stderr: process.stderr });
  process.stdin.destroy();
  return code;
}

async function plugn(argv: string[]): Promise<number> {
  if (argv[0] !== 'trigger' || !argv[1]) {
    process.stderr.write('usage: plugn trigger NAME [ARGS…]\n');
    return 1;
  }
  const { settings, socket } = await locate();
  // Inside a running server every trigger is registered (platform ones too): fire it there.
  const forwarded = await forward(socket, ['plugin:trigger', ...argv.slice(1)]);
  if (forwarded !== null) return forwarded;
  const { triggerLocally } = await import('./cli/local.js');
  return triggerLocally(settings, argv[1], argv.slice(2));
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === '__plugn') return plugn(argv.slice(1));
  if (argv[0] === '__hook') {
    const { runHook } = await import('./git/hook-client.js');
    return runHook(argv.slice(1));
  }
  if (argv[0] === 'serve') {
    const { serve } = await import('./server.js');
    await serve(loadSettings());
    return -1;
  }
  if (argv[0] === 'install-service') {
    const { installService } = await import('./cli/service.js');
    return installService(loadSettings(), argv.slice(1));
  }
  const { settings, socket } = await locate();
  const { withAbsolutePaths } = await import('./cli/paths.js');
  const forwarded = await forward(socket, socket ? withAbsolutePaths(argv, process.cwd()) : argv);
  if (forwarded !== null) return forwarded;
  const { runLocally } = await import('./cli/local.js');
  return runLocally(settings, argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(` !     ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    // A server that failed to start may already hold listeners and timers (the proxy, git HTTP):
    // it must not linger half-started. Its apps run on (their own sessions, or Docker).
    if (process.argv[2] === 'serve') process.exit(1);
  },
);
