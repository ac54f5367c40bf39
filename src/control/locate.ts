// Which server and data folders a local CLI uses: the ones its environment names (or ./data and
// ./keys), else the running server's from its record; a notice when they are not the server's.
import type net from 'node:net';
import { loadSettings, packageRoot, type Settings } from '../settings.js';
import { connectControl } from './client.js';
import { controlSocketPath } from './path.js';
import { readRecord, recordPath } from './record.js';

export interface Target {
  settings: Settings;
  /** Connected to the server that will run the command; null: run it in this process. */
  socket: net.Socket | null;
  /** One line for stderr when the data used is not the running server's. */
  notice?: string;
}

export async function locateServer(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
  recordFile: string = recordPath(packageRoot),
): Promise<Target> {
  const own = loadSettings(env, cwd);
  const socket = await connectControl(controlSocketPath(own));
  if (socket) return { settings: own, socket };

  // Nothing answers on the folders named here: is a server of this install running elsewhere?
  const explicit = Boolean(env.SLIPWAY_HOME || env.SLIPWAY_KEYS_DIR);
  const record = readRecord(recordFile);
  const running = record && record.packageRoot === packageRoot ? await connectControl(record.controlSocket) : null;
  if (record && running && !explicit) {
    return { settings: loadSettings({ ...env, SLIPWAY_HOME: record.home, SLIPWAY_KEYS_DIR: record.keysDir }, cwd), socket: running };
  }
  running?.destroy();
  const used = `the data folder ${own.home} (keys: ${own.keysDir})`;
  if (record && running) return { settings: own, socket: null, notice: `Using ${used}, not the running server's ${record.home} (keys: ${record.keysDir})` };
  if (!explicit) return { settings: own, socket: null, notice: `No running Slipway server found; using ${used}` };
  return { settings: own, socket: null };
}
