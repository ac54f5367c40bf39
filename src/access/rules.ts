// What a command declares about who may run it, and the pure decision made from that declaration,
// the caller's identity and the parsed arguments (no I/O: the app grant is checked by the caller).
import type { Identity, ParsedArgs } from '../commands/types.js';
import { isValidAppName, type AppName } from '../names.js';

/**
 * Declared by every core command set (and overridable per command).
 * `who`: `admin` — admin keys only; `app` — keys granted the app it acts on; `any` — every key
 * (help, version, and apps:list, which filters itself).
 * `app`: which positional (after the command's declared options) names the app it acts on;
 * `none` when it acts on no one app. Defaults to 0 for `app` commands and to `none` otherwise.
 */
export interface AccessRule {
  who: 'admin' | 'app' | 'any';
  app?: number | 'none';
}

/** The outcome: refuse, let it run, or let it run once the key may use `app`. */
export type Decision = { kind: 'deny' } | { kind: 'allow' } | { kind: 'app'; app: AppName };

/** Arguments that turn an app command into a server-wide one. */
const WIDENING_ARGS = new Set(['--global', '--all']);

export function isAdmin(identity: Identity): boolean {
  return identity.admin;
}

/** The app a command acts on, by its rule; undefined when it names none (or not a valid name). */
export function appOf(rule: AccessRule, args: ParsedArgs): AppName | undefined {
  const index = rule.app ?? (rule.who === 'app' ? 0 : 'none');
  if (index === 'none') return undefined;
  const candidate = args.positional[index];
  return candidate !== undefined && isValidAppName(candidate) ? candidate : undefined;
}

/**
 * Local callers may run anything. Admin keys too, but the app they act on (if it exists) still
 * goes through the app check, where user-auth-app plugins may refuse. Other keys: `any` runs,
 * `admin` never, `app` only on one named app (never server-wide: `--global`, `--all`, `*global*`).
 */
export function decide(identity: Identity, command: string, rule: AccessRule, args: ParsedArgs, raw: readonly string[]): Decision {
  if (!identity.remote) return { kind: 'allow' };
  const app = appOf(rule, args);
  if (isAdmin(identity)) return app ? { kind: 'app', app } : { kind: 'allow' };
  if (rule.who === 'any') return { kind: 'allow' };
  if (rule.who === 'admin') return { kind: 'deny' };
  if (/global/.test(command) || raw.some((a) => WIDENING_ARGS.has(a))) return { kind: 'deny' };
  return app ? { kind: 'app', app } : { kind: 'deny' };
}

/** Commands no core set answers (plugins'): the app comes first; admin-only if its namespace is. */
export function pluginCommandRule(adminOnlyNamespace: boolean): AccessRule {
  return adminOnlyNamespace ? { who: 'admin', app: 0 } : { who: 'app', app: 0 };
}

/** `help`, `version` and every `NAME:help`: any key. */
export const OPEN: AccessRule = { who: 'any' };
