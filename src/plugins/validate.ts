// Checks a plugin before it is installed: a valid, free name; a `commands` file that is executable
// when present; at least one thing to run (commands or a trigger); a plugin.toml that parses.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { SlipwayError } from '../errors.js';
import { shown } from '../names.js';
import { isExecutable } from './discovery.js';
import { unlessMissing } from '../os/missing.js';

/** Installable names: Dokku's plugin names, and safe as a folder name and a property name. */
export const INSTALL_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** A trigger is an executable named like one; anything else at the top level is just a file. */
const TRIGGER_NAME = /^[a-z0-9][a-z0-9-]*$/;

export class InvalidPlugin extends SlipwayError {
  constructor(message: string) { super('E_INVALID_PLUGIN', message, 1); }
}

export function checkPluginName(name: string, taken: (name: string) => boolean): string {
  if (!INSTALL_NAME.test(name) || name.length > 64) {
    throw new InvalidPlugin(`Invalid plugin name ${shown(name)}: use lowercase letters, digits, '_' and '-', starting with a letter or digit`);
  }
  if (taken(name)) throw new InvalidPlugin(`Plugin name ${name} is taken by a core plugin; choose another with --name`);
  return name;
}

/** The trigger executables at the top of a plugin folder (its `commands` file excluded). */
export async function triggerFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const item of await fs.readdir(dir, { withFileTypes: true })) {
    if (item.name === 'commands' || !TRIGGER_NAME.test(item.name)) continue;
    if (await isExecutable(path.join(dir, item.name))) names.push(item.name);
  }
  return names.sort();
}

export async function validatePlugin(dir: string, name: string): Promise<void> {
  const commands = path.join(dir, 'commands');
  const stat = await unlessMissing(fs.stat(commands), undefined);
  if (stat && !(await isExecutable(commands))) {
    throw new InvalidPlugin(`Plugin ${name}: its commands file is not executable (chmod +x commands)`);
  }
  if (!stat && (await triggerFiles(dir)).length === 0) {
    throw new InvalidPlugin(`Plugin ${name} has no commands file and no trigger executables: nothing to install`);
  }
  const toml = await unlessMissing(fs.readFile(path.join(dir, 'plugin.toml'), 'utf8'), undefined);
  if (toml !== undefined) {
    try {
      parseToml(toml);
    } catch (error) {
      throw new InvalidPlugin(`Plugin ${name}: plugin.toml does not parse (${(error as Error).message.split('\n')[0]})`);
    }
  }
}
