// The exact environment Slipway gives a plugin for a given data dir, taken from the compiled
// server itself (dist/src/plugins/env.js), so the OpenSSH anchor runs the script the same way.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir } from './common.mjs';

export async function pluginEnvFor(serverEnv, keyName = 'admin') {
  const { loadSettings } = await import(pathToFileURL(path.join(distDir, 'settings.js')).href);
  const { pluginEnv } = await import(pathToFileURL(path.join(distDir, 'plugins', 'env.js')).href);
  const settings = loadSettings(serverEnv);
  const env = pluginEnv(settings, {
    identity: { user: serverEnv.SLIPWAY_SSH_USER || 'dokku', keyName, fingerprint: '', admin: true, remote: true },
    flags: { trace: false, quiet: false, force: false },
    trace: false,
  }, serverEnv);
  return { env, settings };
}
