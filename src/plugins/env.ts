// The environment every plugin script sees: Dokku's variables, this server's own `dokku` and
// `plugn` first on PATH, and nothing from the SSH client (its env requests are never honoured).
import path from 'node:path';
import type { Settings } from '../settings.js';
import type { Identity, GlobalFlags } from '../commands/types.js';

export const DOKKU_NOT_IMPLEMENTED_EXIT = 10;
export const DOKKU_API_VERSION = '1';

/** Host variables a script may inherit; everything else is dropped. */
const INHERITED = ['HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'LOGNAME', 'DOCKER_HOST', 'SLIPWAY_SCHEDULER'];

export interface PluginEnvOptions {
  identity: Identity;
  flags: GlobalFlags;
  trace: boolean;
  extra?: Record<string, string>;
}

export function pluginEnv(settings: Settings, options: PluginEnvOptions, host: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = host[name];
    if (value !== undefined) env[name] = value;
  }
  const binDir = path.join(settings.packageRoot, 'bin');
  Object.assign(env, {
    PATH: `${binDir}:${host.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}`,
    SLIPWAY_HOME: settings.home,
    SLIPWAY_KEYS_DIR: settings.keysDir,
    DOKKU_ROOT: settings.dokkuRoot,
    DOKKU_LIB_ROOT: settings.libRoot,
    PLUGIN_PATH: settings.pluginPath,
    PLUGIN_AVAILABLE_PATH: path.join(settings.pluginPath, 'available'),
    PLUGIN_ENABLED_PATH: path.join(settings.pluginPath, 'enabled'),
    PLUGIN_CORE_PATH: settings.corePluginsDir,
    PLUGIN_CORE_AVAILABLE_PATH: settings.corePluginsDir,
    DOKKU_NOT_IMPLEMENTED_EXIT: String(DOKKU_NOT_IMPLEMENTED_EXIT),
    DOKKU_VALID_EXIT: '0',
    DOKKU_API_VERSION,
    DOKKU_DISTRO: 'debian',
    SSH_USER: options.identity.user,
    SSH_NAME: options.identity.keyName,
  });
  if (options.trace) env.DOKKU_TRACE = '1';
  if (options.flags.quiet) env.DOKKU_QUIET_OUTPUT = '1';
  if (options.flags.force) env.DOKKU_APPS_FORCE_DELETE = '1';
  if (options.flags.app) env.DOKKU_APP_NAME = options.flags.app;
  if (options.extra) Object.assign(env, options.extra);
  return env;
}
