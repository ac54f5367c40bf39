// `NAME:set (<app>|--global) <property> [<value>]` as Dokku's common.CommandPropertySet answers it:
// the same checks in the same order and words, then the property written or (empty value) cleared.
// ps:set, logs:set, app-json:set, builder:set, builder-dockerfile:set and scheduler-docker-local:set
// share it; each names its properties and checks its values.
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { log } from '../../log.js';
import { out, scopeArg } from './invocation.js';

export interface PropertySpec {
  /** The plugin whose properties these are (`ps`, `logs`, `app-json`). */
  plugin: string;
  /** Every property an app may set. */
  app: readonly string[];
  /** Those `--global` may set. */
  global: readonly string[];
  /**
   * Dokku's properties Slipway knows but cannot honour: named here with why, refused with that
   * reason (exit 1) rather than stored and silently ignored.
   */
  notApplicable?: Readonly<Record<string, string>>;
  /**
   * Dokku's Go plugins say "property" (common.CommandPropertySet); its bash ones (builder-dockerfile,
   * scheduler-docker-local) say "key": "No key specified", "Invalid key specified, valid keys include: …".
   */
  noun?: 'property' | 'key';
  /** Checks a non-empty value before anything is written; throws a UsageError in Dokku's words. */
  check?(property: string, value: string, scope: Scope): void;
}

/** A property's value for one scope, '' when unset. */
export async function propertyOf(services: Services, plugin: string, scope: Scope, property: string): Promise<string> {
  return (await services.store.properties.get(plugin, scope, property))?.trim() ?? '';
}

/** The app's value, else the global one, else the default (Dokku's `computed` report rows). */
export async function computedProperty(services: Services, plugin: string, scope: Scope, property: string, fallback: string): Promise<string> {
  return (await services.store.properties.effective(plugin, scope, property)) || fallback;
}

/** Runs a `NAME:set` command; returns what was done, for callers that act on a change. */
export async function setProperty(inv: Invocation, services: Services, spec: PropertySpec): Promise<{ scope: Scope; property: string; value: string }> {
  // Dokku's flag parsing: `--global` anywhere, then the app, property and value by position.
  const global = inv.args.includes(GLOBAL);
  const args = inv.args.filter((a) => a !== GLOBAL);
  const scope: Scope = global ? GLOBAL : await scopeArg(services, args[0]);
  const [property = '', value = ''] = global ? args : args.slice(1);
  const known = [...new Set([...spec.app, ...spec.global, ...Object.keys(spec.notApplicable ?? {})])].sort();
  if (value !== '' && known.includes(property)) spec.check?.(property, value, scope);
  if (scope === GLOBAL && !spec.global.includes(property) && !(property in (spec.notApplicable ?? {}))) {
    throw new UsageError('Property cannot be specified globally');
  }
  const noun = spec.noun ?? 'property';
  if (property === '') throw new UsageError(`No ${noun} specified`);
  if (!known.includes(property)) throw new UsageError(`Invalid ${noun} specified, valid ${noun === 'key' ? 'keys' : 'properties'} include: ${known.join(', ')}`);
  const why = spec.notApplicable?.[property];
  if (why !== undefined) throw new SlipwayError('E_NOT_APPLICABLE', `Property ${property} is not applicable to Slipway: ${why}`, 1);
  if (value === '') {
    log.info2(out(inv), `Unsetting ${property}`);
    await services.store.properties.delete(spec.plugin, scope, property);
  } else {
    log.info2(out(inv), `Setting ${property} to ${value}`);
    await services.store.properties.set(spec.plugin, scope, property, value);
  }
  return { scope, property, value };
}
