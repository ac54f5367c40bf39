// Helpers every core command set shares to read its invocation: positional args as typed, checked
// values (an existing app, a scope), bounded stdin, its Out, and aligned two-column text.
import type { Services } from '../../services.js';
import type { Out } from '../../log.js';
import type { Invocation } from '../../commands/types.js';
import { parseAppName, type AppName } from '../../names.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import { AppRequired, SlipwayError, UsageError } from '../../errors.js';

export function out(inv: Invocation): Out {
  return { stdout: inv.io.stdout, stderr: inv.io.stderr, quiet: inv.flags.quiet };
}

/** The app named by the first positional, which must exist. */
export async function existingApp(services: Services, value: string | undefined): Promise<AppName> {
  const app = parseAppName(value);
  await services.store.apps.require(app);
  return app;
}

/** `--global` or an existing app name, as config commands take. */
export async function scopeArg(services: Services, value: string | undefined): Promise<Scope> {
  if (value === GLOBAL) return GLOBAL;
  return existingApp(services, value);
}

/** A usage whose first positional is an app (`cmd [--flag x] <app> …`, `(<app>|--global)`). */
const APP_FIRST = /^\S+(?: \[[^\]]*\])* (?:<app>|<old-app>|\(<app>\|--global\))/;

/** Too few args: Dokku's "Please specify an app…" when even the app is missing, else the usage. */
export function requireArgs(args: string[], count: number, usage: string): void {
  if (args.length === 0 && count > 0 && APP_FIRST.test(usage)) throw new AppRequired();
  if (args.length < count) throw new UsageError(`Missing argument. Usage: dokku ${usage}`);
}

/** Columns as Dokku prints reports: label padded to a common width, then the value. */
export function columns(rows: Array<[string, string]>, indent = '       '): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${indent}${`${label}:`.padEnd(width + 1)}${value}`.trimEnd() + '\n').join('');
}

/** Reads one line from the client (used for confirmations); empty when stdin ends first. */
export function readLine(inv: Invocation, limit = 4096): Promise<string> {
  return new Promise((resolve) => {
    let buffer = '';
    const stdin = inv.io.stdin;
    const finish = () => {
      stdin.off('data', onData);
      stdin.off('end', finish);
      stdin.off('close', finish);
      inv.signal.removeEventListener('abort', finish);
      stdin.pause();
      const nl = buffer.indexOf('\n');
      resolve((nl === -1 ? buffer : buffer.slice(0, nl)).replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      buffer += chunk.toString();
      if (buffer.includes('\n') || buffer.length > limit) finish();
    };
    stdin.on('data', onData);
    stdin.once('end', finish);
    stdin.once('close', finish);
    inv.signal.addEventListener('abort', finish, { once: true });
    stdin.resume();
  });
}

/** Dokku's AskForDestructiveConfirmation: the warning, then the name typed back, or abort (exit 1). */
export async function confirmDestructive(inv: Invocation, kind: string, name: string): Promise<void> {
  inv.io.stderr.write(' !     WARNING: Potentially Destructive Action\n');
  inv.io.stderr.write(` !     This command will destroy ${kind} ${name}.\n`);
  inv.io.stderr.write(` !     To proceed, type "${name}"\n\n> `);
  const answer = await readLine(inv);
  if (answer.trim() !== name) throw new SlipwayError('E_CONFIRMATION', `Confirmation did not match ${name}. Aborted.`, 1);
}

/**
 * Reads the client's stdin to its end, up to limit bytes. Uses events rather than
 * `for await`, which would destroy the SSH channel before the exit status is sent.
 */
export function readStdin(inv: Invocation, limit: number, tooLarge: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stdin = inv.io.stdin;
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      inv.signal.removeEventListener('abort', onEnd);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += buf.length;
      if (size > limit) { cleanup(); stdin.pause(); reject(tooLarge()); return; }
      chunks.push(buf);
    };
    const onEnd = () => { cleanup(); resolve(Buffer.concat(chunks)); };
    const onError = (error: Error) => { cleanup(); reject(error); };
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
    inv.signal.addEventListener('abort', onEnd, { once: true });
    stdin.resume();
  });
}
