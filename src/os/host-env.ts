// The few host variables an app's processes and native builds inherit (PATH, locale, TMPDIR):
// never the server's whole environment, which may hold its own settings and secrets.
import path from 'node:path';

const PASSED = ['LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

export function hostEnv(): Record<string, string> {
  const nodeDir = path.dirname(process.execPath);
  const hostPath = process.env.PATH || '/usr/local/bin:/usr/bin:/bin';
  // The server's own node first on PATH, so `node` and `npm` in a Procfile are the ones it runs on.
  const env: Record<string, string> = {
    PATH: hostPath.split(':').includes(nodeDir) ? hostPath : `${nodeDir}:${hostPath}`,
  };
  for (const key of PASSED) {
    const value = process.env[key];
    if (value) env[key] = value;
  }
  return env;
}
