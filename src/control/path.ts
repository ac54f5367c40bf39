// Where the control socket lives: under DOKKU_LIB_ROOT, readable only by the server's user.
import path from 'node:path';
import type { Settings } from '../settings.js';

export function controlSocketPath(settings: Settings): string {
  return path.join(settings.libRoot, 'run', 'control.sock');
}
