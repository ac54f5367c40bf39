// Times a command run through the server's control socket (what the local CLI and git hooks
// use): dispatch inside the server without SSH, so router and plugin-host costs stand alone.
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { distDir, nowMs } from './common.mjs';

const load = (rel) => import(pathToFileURL(path.join(distDir, rel)).href);

export async function controlClient(serverEnv) {
  const { loadSettings } = await load('settings.js');
  const { controlSocketPath } = await load('control/path.js');
  const { connectControl, sendRequest } = await load('control/client.js');
  const file = controlSocketPath(loadSettings(serverEnv));
  return async function runCommand(argv) {
    let stdout = '';
    let stderr = '';
    const sink = (fn) => new Writable({ write(chunk, _e, cb) { fn(chunk.toString()); cb(); } });
    const t0 = nowMs();
    const socket = await connectControl(file);
    if (!socket) throw new Error(`no server answers on ${file}`);
    const code = await sendRequest(socket, { kind: 'command', argv }, {
      stdout: sink((s) => { stdout += s; }), stderr: sink((s) => { stderr += s; }),
    });
    return { code, stdout, stderr, ms: nowMs() - t0 };
  };
}
