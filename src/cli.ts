#!/usr/bin/env node
// Entry point for `slipway`, `dokku` and `plugn`: `serve` starts the server; anything else
// runs that one command locally, as the host's operator (like running `dokku` on the host).
import { loadSettings, type Settings } from './settings.js';
import { connectControl, sendRequest } from './control/client.js';
import { controlSocketPath } from './control/path.js';
import { boot } from './boot.js';
import type { Identity } from './commands/types.js';
import { SlipwayError } from './errors.js';
import { TriggerFailed, type RunContext } from './plugins/host.js';

function localIdentity(env: NodeJS.ProcessEnv): Identity {
  return { user: env.SSH_USER || 'root', keyName: env.SSH_NAME || 'admin', fingerprint: '', admin: true, remote: false };
}

async function plugn(argv: string[]): Promise<number> {
  if (argv[0] !== 'trigger' || !argv[1]) {
    process.stderr.write('usage: plugn trigger NAME [ARGS…]\n');
    return 1;
  }
  const { services } = boot(loadSettings());
  const controller = new AbortController();
  const ctx: RunContext = {
    identity: localIdentity(process.env),
    flags: { trace: Boolean(process.env.DOKKU_TRACE), quiet: Boolean(process.env.DOKKU_QUIET_OUTPUT), force: false },
    trace: Boolean(process.env.DOKKU_TRACE),
    io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, tty: Boolean(process.stdout.isTTY) },
    signal: controller.signal,
  };
  try {
    await services.plugins.trigger(argv[1], argv.slice(2), ctx);
    return 0;
  } catch (error) {
    if (error instanceof TriggerFailed) return error.exitCode;
    if (error instanceof SlipwayError) { process.stderr.write(` !     ${error.message}\n`); return error.exitCode; }
    throw error;
  }
}

/** When a server runs on this data dir, the command runs inside it (so it can restart apps). */
async function forward(settings: Settings, argv: string[]): Promise<number | null> {
  const socket = await connectControl(controlSocketPath(settings));
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
  const settings = loadSettings();
  const forwarded = await forward(settings, argv);
  if (forwarded !== null) return forwarded;
  const { router } = boot(settings);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const inherited: string[] = [];
  if (process.env.DOKKU_TRACE) inherited.push('--trace');
  if (process.env.DOKKU_QUIET_OUTPUT) inherited.push('--quiet');
  return router.run({
    argv: [...inherited, ...argv],
    identity: localIdentity(process.env),
    io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, tty: Boolean(process.stdout.isTTY) },
    signal: controller.signal,
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(` !     ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
