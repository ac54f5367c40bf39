// Finds the enabled plugins: the shipped core plugins plus installed ones linked into
// PLUGIN_ENABLED_PATH. Reads plugin.toml once; a broken plugin is skipped with a warning.
import fs from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { isMissing, unlessMissing } from '../os/missing.js';

export interface Plugin {
  name: string;
  dir: string;
  core: boolean;
  version: string;
  description: string;
}

export const PLUGIN_NAME = /^[a-z0-9][a-z0-9_.-]*$/;

export async function isExecutable(file: string): Promise<boolean> {
  const stat = await unlessMissing(fs.stat(file), undefined);
  return stat !== undefined && stat.isFile() && (stat.mode & 0o111) !== 0;
}

/** `[plugin] version, description` from plugin.toml; empty strings when absent, throws when it does not parse. */
export async function readPluginMeta(dir: string): Promise<{ version: string; description: string }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, 'plugin.toml'), 'utf8');
  } catch (error) {
    if (isMissing(error)) return { version: '', description: '' };
    throw error;
  }
  const doc = parseToml(text) as Record<string, unknown>;
  const plugin = (doc.plugin ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  return { version: str(plugin.version), description: str(plugin.description) };
}

async function listDirs(root: string): Promise<string[]> {
  try {
    return (await fs.readdir(root)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function load(name: string, dir: string, core: boolean, warn: (line: string) => void): Promise<Plugin | undefined> {
  if (!PLUGIN_NAME.test(name)) return undefined;
  const stat = await unlessMissing(fs.stat(dir), undefined);
  if (!stat?.isDirectory()) return undefined;
  try {
    const meta = await readPluginMeta(dir);
    return { name, dir, core, ...meta };
  } catch (error) {
    warn(`plugin ${name} skipped: unreadable plugin.toml (${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

/** Enabled plugins in dispatch order: alphabetical, a core plugin shadows an installed one of the same name. */
export async function discoverPlugins(
  coreDir: string,
  enabledDir: string,
  disabledCore: ReadonlySet<string>,
  warn: (line: string) => void,
): Promise<Plugin[]> {
  const byName = new Map<string, Plugin>();
  for (const name of await listDirs(enabledDir)) {
    const plugin = await load(name, path.join(enabledDir, name), false, warn);
    if (plugin) byName.set(name, plugin);
  }
  for (const name of await listDirs(coreDir)) {
    if (disabledCore.has(name)) { byName.delete(name); continue; }
    const plugin = await load(name, path.join(coreDir, name), true, warn);
    if (plugin) byName.set(name, plugin);
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One file's identity and contents stamp: a rewrite, a rename over it or a chmod changes it. */
function stamp(name: string, stat: { ino: number; size: number; mtimeMs: number; ctimeMs: number; mode: number }): string {
  return `${name}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.mode}`;
}

/**
 * A fingerprint of the plugins' own files (each folder and the files at its top: commands, plugin.toml,
 * help-functions, triggers, subcommands/), so cached help and the command index are rebuilt when a
 * plugin is edited or fixed in place, not only when the plugin set changes.
 */
export async function fingerprintPlugins(dirs: readonly string[]): Promise<string> {
  const parts = await Promise.all(dirs.map(async (dir) => {
    const own = await unlessMissing(fs.stat(dir), undefined);
    if (!own) return `${dir}:-`;
    const names = (await unlessMissing(fs.readdir(dir), [] as string[])).sort();
    const files = await Promise.all(names.map((name) => unlessMissing(fs.stat(path.join(dir, name)), undefined)
      .then((s) => (s ? stamp(name, s) : `${name}:-`))));
    return [stamp(dir, own), ...files].join(',');
  }));
  return parts.join('|');
}
