// Runs a command (or `plugn trigger`) inside this process when no server answers on the
// control socket: boots the full command registry, which the forwarding path never loads.
import type { Settings } from '../settings.js';
import { boot } from '../boot.js';
import { SlipwayError, reportError } from '../errors.js';
import { TriggerFailed, type RunContext } from '../plugins/host.js';
import { localIdentity } from '../request-context.js';

const io = () => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, tty: Boolean(process.stdout.isTTY) });

export async function triggerLocally(settings: Settings, name: string, args: string[]): Promise<number> {
  const { services } = boot(settings);
  const controller = new AbortController();
  const ctx: RunContext = {
    identity: localIdentity(process.env.SSH_USER, process.env.SSH_NAME),
    flags: { trace: Boolean(process.env.DOKKU_TRACE), quiet: Boolean(process.env.DOKKU_QUIET_OUTPUT), force: false },
    trace: Boolean(process.env.DOKKU_TRACE),
    io: io(),
    signal: controller.signal,
  };
  try {
    await services.plugins.trigger(name, args, ctx);
    return 0;
  } catch (error) {
    if (error instanceof TriggerFailed) return error.exitCode;
    if (error instanceof SlipwayError) return reportError(error, process.stderr, () => undefined);
    throw error;
  }
}

export async function runLocally(settings: Settings, argv: string[]): Promise<number> {
  const { router } = boot(settings);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const inherited: string[] = [];
  if (process.env.DOKKU_TRACE) inherited.push('--trace');
  if (process.env.DOKKU_QUIET_OUTPUT) inherited.push('--quiet');
  return router.run({ argv: [...inherited, ...argv], identity: localIdentity(process.env.SSH_USER, process.env.SSH_NAME), io: io(), signal: controller.signal });
}
