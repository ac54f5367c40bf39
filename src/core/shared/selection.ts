// `NAME:set (<app>|--global) selected [VALUE]`, shared by builder:set and scheduler:set: checks
// the key and the value against the registered names, then writes or clears the property.
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { out, requireArgs, scopeArg } from './invocation.js';
import { log } from '../../log.js';
import { UsageError } from '../../errors.js';
import { shown } from '../../names.js';

export interface SelectionSpec {
  plugin: string;
  usage: string;
  /** `builder`, `scheduler`: used in error messages. */
  noun: string;
  names: string[];
  /** Said when the selection is cleared. */
  unsetMessage: string;
}

/** Applies the command; returns the value now selected ('' when cleared). */
export async function setSelection(inv: Invocation, services: Services, spec: SelectionSpec): Promise<string> {
  requireArgs(inv.args, 2, spec.usage);
  const scope = await scopeArg(services, inv.args[0]);
  const key = inv.args[1];
  if (key !== 'selected') throw new UsageError(`Invalid key '${shown(key)}'. Usage: dokku ${spec.usage}`);
  const value = inv.args[2] ?? '';
  if (value === '') {
    log.info1(out(inv), spec.unsetMessage);
    await services.store.properties.delete(spec.plugin, scope, key);
    return '';
  }
  if (!spec.names.includes(value)) throw new UsageError(`Invalid ${spec.noun} '${shown(value)}'; available: ${spec.names.join(', ')}`);
  log.info1(out(inv), `Setting selected to ${value}`);
  await services.store.properties.set(spec.plugin, scope, key, value);
  return value;
}
