// The environment every plugin script sees: Dokku's variables, this server's own `dokku` and
// `plugn` first on PATH, and nothing from the SSH client (its env requests are never honoured).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../settings.js';
import type { Identity, GlobalFlags } from '../commands/types.js';

export const DOKKU_NOT_IMPLEMENTED_EXIT = 10;
export const DOKKU_API_VERSION = '1';

/** Host variables a script may inherit; everything else is dropped. */
const INHERITED = ['HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'USER', 'LOGNAME', 'DOCKER_HOST', 'SLIPWAY_SCHEDULER'];

/** Dokku's defaults for these; the server's own environment (and then dokkurc) may override them. */
const DOKKU_DEFAULTS: Record<string, string> = {
  DOKKU_IMAGE: 'gliderlabs/herokuish:latest-24',
  DOKKU_CNB_BUILDER: 'heroku/builder:24',
  DOKKU_CONTAINER_LABEL: 'dokku',
  DOKKU_GLOBAL_BUILD_ARGS: '--label=org.label-schema.schema-version=1.0 --label=org.label-schema.vendor=dokku --label=dokku',
  DOKKU_GLOBAL_RUN_ARGS: '--label=org.label-schema.schema-version=1.0 --label=org.label-schema.vendor=dokku --label=dokku',
};

/** The docker CLI on PATH (absolute), or plain `docker` when there is none (it then fails as on Dokku). */
function dockerBin(searchPath: string): string {
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const file = path.join(dir, 'docker');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch { /* not here */ }
  }
  return 'docker';
}

/** The user and group this server runs as: what DOKKU_SYSTEM_USER/GROUP mean to plugins (chown targets). */
function systemIdentity(): { user: string; group: string } {
  const info = os.userInfo();
  let group = String(info.gid);
  try {
    const line = fs.readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[2] === String(info.gid));
    if (line) group = line.split(':')[0];
  } catch { /* no /etc/group: the number */ }
  return { user: info.username, group };
}

let cachedHost: { docker: string; user: string; group: string; key: string } | undefined;

function hostFacts(searchPath: string): { docker: string; user: string; group: string } {
  if (cachedHost?.key !== searchPath) cachedHost = { key: searchPath, docker: dockerBin(searchPath), ...systemIdentity() };
  return cachedHost;
}

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
  const hostPath = host.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  const facts = hostFacts(hostPath);
  for (const [name, value] of Object.entries(DOKKU_DEFAULTS)) env[name] = host[name] || value;
  Object.assign(env, {
    PATH: `${binDir}:${hostPath}`,
    DOCKER_BIN: host.DOCKER_BIN || facts.docker,
    DOKKU_HOST_ROOT: host.DOKKU_HOST_ROOT || settings.dokkuRoot,
    DOKKU_SYSTEM_USER: host.DOKKU_SYSTEM_USER || facts.user,
    DOKKU_SYSTEM_GROUP: host.DOKKU_SYSTEM_GROUP || facts.group,
    PLUGIN_CORE_ENABLED_PATH: settings.corePluginsDir,
    DOKKU_PID: String(process.pid),
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
