// enter APP [TYPE|TYPE.N|--container-id ID] [--] [CMD…] — Dokku's enter: run a command beside a
// running process of the app (docker-local: `docker exec` in its container; process: in its working
// directory with its environment). No command: the app's shell (scheduler property `shell`, else
// /bin/bash, as Dokku). The exit code is the command's.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { InstanceInfo } from '../../scheduler/types.js';
import { existingApp, out } from '../shared/invocation.js';
import { requirePlatform } from '../shared/platform.js';
import { GLOBAL } from '../../store/index.js';
import { log } from '../../log.js';
import { SlipwayError, UsageError } from '../../errors.js';

const USAGE = 'enter <app> [<process-type>|--container-id <container-id>] [--] [<command>...]';

interface Target { type?: string; containerId?: string; argv: string[] }

/** Dokku's order: `--container-id ID` (or `=ID`), else the first word is the process type; then `--`. */
function parseTarget(args: readonly string[]): Target {
  const target: Target = { argv: [] };
  let i = 0;
  const first = args[i];
  if (first?.startsWith('--container-id=')) {
    target.containerId = first.slice('--container-id='.length);
    i++;
  } else if (first === '--container-id') {
    if (args[i + 1] === undefined) throw new UsageError(`expected --container-id to have an argument. Usage: dokku ${USAGE}`);
    target.containerId = args[i + 1];
    i += 2;
  } else if (first !== undefined && first !== '--') {
    target.type = first;
    i++;
  }
  if (args[i] === '--') i++;
  target.argv = args.slice(i);
  return target;
}

function pick(app: string, running: InstanceInfo[], target: Target, inv: Invocation): InstanceInfo {
  const types = [...new Set(running.map((i) => i.type))];
  const available = `Available types for app (${app}): ${types.join(' ')}`;
  const wanted = target.containerId;
  if (wanted !== undefined) {
    const found = running.find((i) => wanted !== '' && i.containerId?.startsWith(wanted));
    if (found) return found;
    log.warn(out(inv), `Invalid container id for app: ${wanted}`);
    throw new SlipwayError('E_CONTAINER_NOT_FOUND', `Available ids for app (${app}): ${running.map((i) => i.containerId ?? '').join(' ')}`, 1);
  }
  let type = target.type;
  if (type === undefined) {
    if (types.length > 1) {
      log.warn(out(inv), 'No container type specified.');
      throw new SlipwayError('E_USAGE', available, 1);
    }
    type = types[0];
    if (type === undefined) throw new SlipwayError('E_NO_CONTAINERS', 'No containers found for app', 1);
  }
  const found = running.find((i) => i.type === type || i.id === type);
  if (found) return found;
  log.warn(out(inv), `No containers found for type '${type}'`);
  throw new SlipwayError('E_NO_CONTAINERS', available, 1);
}

async function enter(inv: Invocation, services: Services): Promise<number> {
  const app = await existingApp(services, inv.args[0]);
  const target = parseTarget(inv.args.slice(1));
  const platform = requirePlatform(services);
  const running = (await platform.status(app)).instances.filter((i) => i.state === 'running');
  const instance = pick(app, running, target, inv);
  const shell = (await services.store.properties.get('scheduler', app, 'shell'))
    || (await services.store.properties.get('scheduler', GLOBAL, 'shell')) || '/bin/bash';
  const argv = target.argv.length ? target.argv : [shell];
  return platform.enter(app, instance.id, argv, { stdin: inv.io.stdin, stdout: inv.io.stdout, stderr: inv.io.stderr }, inv.signal);
}

export const enterCommands: CommandSet = {
  plugin: 'enter',
  summary: 'Run commands in a running process of an app',
  access: { who: 'app' },
  commands: [
    { name: 'enter', help: { usage: USAGE, description: 'Connect to a specific app container (or run a command in it)' }, run: enter },
  ],
};
