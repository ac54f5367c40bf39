// `slipway __hook pre-receive`: what the hook shim in each bare repo runs. Reads git's ref
// lines, forwards them with the push id and quarantine variables to the server over the
// control socket, streams the server's output back (git shows it as `remote:` lines).
import path from 'node:path';
import type { Readable } from 'node:stream';
import { loadSettings } from '../settings.js';
import { connectControl, sendRequest } from '../control/client.js';
import { controlSocketPath } from '../control/path.js';
import type { HookRequest } from '../control/protocol.js';
import { hookGitEnv } from './hook-env.js';

const MAX_INPUT = 1024 * 1024;

function readAll(stream: Readable, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > limit) { stream.destroy(); reject(new Error('too many ref updates')); }
    });
    stream.once('end', () => resolve(text));
    stream.once('error', reject);
  });
}

export function parseHookInput(text: string): HookRequest['updates'] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => {
    const [oldRev = '', newRev = '', ref = ''] = line.trim().split(' ');
    return { oldRev, newRev, ref };
  });
}

export async function runHook(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv[0] !== 'pre-receive') {
    process.stderr.write(' !     usage: slipway __hook pre-receive (run by git, not by hand)\n');
    return 1;
  }
  const pushId = env.SLIPWAY_PUSH_ID;
  if (!pushId) {
    process.stderr.write(' !     This push did not come through Slipway; refused\n');
    return 1;
  }
  const updates = parseHookInput(await readAll(process.stdin, MAX_INPUT));
  const socket = await connectControl(controlSocketPath(loadSettings(env)));
  if (!socket) {
    process.stderr.write(' !     The Slipway server is not running; push refused\n');
    return 1;
  }
  // git runs the hook inside the bare repo, whose directory name is the app's.
  const request: HookRequest = { kind: 'pre-receive', app: path.basename(process.cwd()), updates, gitEnv: hookGitEnv(env), pushId };
  return sendRequest(socket, request, { stdout: process.stdout, stderr: process.stderr });
}
