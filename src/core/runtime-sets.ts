// The command sets that act on running apps, registered by boot.ts so `help` lists them even in a
// local CLI: ps, logs, run, releases, domains, urls.
import type { CommandSet } from '../commands/registry.js';
import { psCommands } from './ps.js';
import { logsCommands } from './logs.js';
import { runCommands } from './run.js';
import { releasesCommands } from './releases.js';
import { domainsCommands } from './domains.js';
import { urlsCommands } from './urls.js';

export function runtimeCommandSets(): CommandSet[] {
  return [psCommands, logsCommands, runCommands, releasesCommands, domainsCommands, urlsCommands];
}
