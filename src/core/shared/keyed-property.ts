// `NAME:set (<app>|--global) KEY [VALUE]` as Dokku's bash plugins write it (builder-dockerfile,
// scheduler-docker-local): "No key specified", "Invalid key specified, valid keys include: …",
// then `=====> Setting KEY to VALUE` or `=====> Unsetting KEY` (an empty value clears it).
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { out, requireArgs, scopeArg } from './invocation.js';
import { log } from '../../log.js';
import { UsageError } from '../../errors.js';

export interface KeyedPropertySpec {
  plugin: string;
  usage: string;
  /** Each key with a check of its value: a problem sentence, or undefined when the value is good. */
  keys: Record<string, (value: string) => string | undefined>;
}

export async function setKeyedProperty(inv: Invocation, services: Services, spec: KeyedPropertySpec): Promise<void> {
  requireArgs(inv.args, 1, spec.usage);
  const scope = await scopeArg(services, inv.args[0]);
  const [, key = '', value = ''] = inv.args;
  if (key === '') throw new UsageError('No key specified');
  if (!Object.hasOwn(spec.keys, key)) throw new UsageError(`Invalid key specified, valid keys include: ${Object.keys(spec.keys).join(', ')}`);
  if (value === '') {
    log.info2(out(inv), `Unsetting ${key}`);
    await services.store.properties.delete(spec.plugin, scope, key);
    return;
  }
  const problem = spec.keys[key](value);
  if (problem !== undefined) throw new UsageError(problem);
  log.info2(out(inv), `Setting ${key} to ${value}`);
  await services.store.properties.set(spec.plugin, scope, key, value);
}
