// docker-options:* — Dokku's per-app `docker run`/`docker build` options for the build, deploy
// and run phases, kept where Dokku keeps them. An option Slipway cannot apply is refused when it
// is added, and nothing is recorded; the rest reach the next build or container (deploy, ps:rebuild).
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { AppName } from '../../names.js';
import { DOCKER_OPTION_PHASES, type DockerOptionPhase } from '../../store/index.js';
import { UsageError } from '../../errors.js';
import { log } from '../../log.js';
import { existingApp, out } from '../shared/invocation.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import {
  canonicalOption, checkPhaseOptions, groupOptionWords, optionWords, sameOption,
} from '../../scheduler/docker-options.js';

/** Writes that reach the host (volumes, links, limits): admin keys only. */
const WRITE_ACCESS = { who: 'admin', app: 0 } as const;
const ADD_USAGE = 'docker-options:add <app> <phase(s)> OPTION';
const REMOVE_USAGE = 'docker-options:remove <app> <phase(s)> OPTION';
const CLEAR_USAGE = 'docker-options:clear <app> [phase(s)]';
const PHASES_TEXT = `Phase(s) must be one of [${DOCKER_OPTION_PHASES.join(' ')}]`;

function isPhase(value: string): value is DockerOptionPhase {
  return (DOCKER_OPTION_PHASES as readonly string[]).includes(value);
}

/** Dokku's parsePhases: a comma-separated list, every entry a known phase. */
function parsePhases(text: string | undefined): DockerOptionPhase[] {
  if (text === undefined || text === '') return [];
  const phases = text.split(',');
  if (!phases.every(isPhase)) throw new UsageError(PHASES_TEXT);
  return [...new Set(phases as DockerOptionPhase[])];
}

/** Dokku's lifted `--process`: per-process options are not kept by Slipway yet, so say so. */
function refuseProcess(inv: Invocation): void {
  if (inv.options.values.has('--process')) {
    throw new UsageError('--process (options for one process type) is not supported by Slipway: options apply to every container of the app');
  }
}

interface Parsed { app: AppName; phases: DockerOptionPhase[]; options: string[] }

/** `<app> <phase(s)> OPTION…`: the words after the phases joined, then split one flag per option. */
async function parseChange(inv: Invocation, services: Services, verb: 'add to' | 'remove from'): Promise<Parsed> {
  refuseProcess(inv);
  const [appArg, phasesArg, ...rest] = inv.options.positional;
  const app = await existingApp(services, appArg);
  const phases = parsePhases(phasesArg);
  const options = groupOptionWords(optionWords(rest.join(' '))).map(canonicalOption);
  if (options.length === 0 || phases.length === 0) throw new UsageError(`Please specify docker options to ${verb} the phase`);
  return { app, phases, options };
}

async function add(inv: Invocation, services: Services): Promise<void> {
  const { app, phases, options } = await parseChange(inv, services, 'add to');
  // Every phase is checked before anything is written: a refused option records nothing.
  for (const phase of phases) checkPhaseOptions(phase, options);
  await services.store.dockerOptions.update(app, phases, (stored) => [...stored, ...options]);
}

async function remove(inv: Invocation, services: Services): Promise<void> {
  const { app, phases, options } = await parseChange(inv, services, 'remove from');
  await services.store.dockerOptions.update(app, phases, (stored) => stored.filter((s) => !options.some((o) => sameOption(s, o))));
}

async function clear(inv: Invocation, services: Services): Promise<void> {
  refuseProcess(inv);
  const [appArg, phasesArg] = inv.options.positional;
  const app = await existingApp(services, appArg);
  const phases = parsePhases(phasesArg);
  if (phases.length === 0) log.info1(out(inv), `Clearing docker-options for ${app} on all phases`);
  for (const phase of phases) log.info1(out(inv), `Clearing docker-options for ${app} on phase ${phase}`);
  await services.store.dockerOptions.update(app, phases.length === 0 ? DOCKER_OPTION_PHASES : phases, () => undefined);
}

/** `docker-options:list <app> --phase PHASE`: the phase's options, one per line, as stored. */
async function list(inv: Invocation, services: Services): Promise<void> {
  refuseProcess(inv);
  const app = await existingApp(services, inv.options.positional[0]);
  const phase = inv.options.values.get('--phase');
  if (phase === undefined || phase === '') throw new UsageError('--phase is required');
  if (!isPhase(phase)) throw new UsageError(`Phase must be one of [${DOCKER_OPTION_PHASES.join(' ')}]`);
  for (const option of await services.store.dockerOptions.get(app, phase)) inv.io.stdout.write(`${option}\n`);
}

async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const rows: ReportRows = [];
  for (const phase of DOCKER_OPTION_PHASES) rows.push([`--docker-options-${phase}`, (await services.store.dockerOptions.get(app, phase)).join(' ')]);
  return rows;
}

function report(inv: Invocation, services: Services): Promise<void> {
  return runReport(inv, services, {
    type: 'docker-options',
    legacyKeys: true,
    app: (app) => reportRows(services, app),
    async jsonLists(app) {
      const lists: Record<string, string[]> = {};
      for (const phase of DOCKER_OPTION_PHASES) lists[`${phase}-list`] = await services.store.dockerOptions.get(app, phase);
      return lists;
    },
  });
}

export const dockerOptionsCommands: CommandSet = {
  plugin: 'docker-options',
  summary: 'Manage docker options for an app',
  access: { who: 'app' },
  commands: [
    {
      name: 'docker-options:add', access: WRITE_ACCESS, options: ['--process='],
      help: { usage: ADD_USAGE, description: 'Add Docker option to app for phase (comma separated phase list)' }, run: add,
    },
    {
      name: 'docker-options:clear', access: WRITE_ACCESS, options: ['--process='],
      help: { usage: CLEAR_USAGE, description: 'Clear a docker options from application with an optional phase (comma separated phase list)' }, run: clear,
    },
    {
      name: 'docker-options:list', options: ['--phase=', '--process='],
      help: { usage: 'docker-options:list <app> --phase PHASE', description: 'List the docker options of one phase, one per line' }, run: list,
    },
    {
      name: 'docker-options:remove', access: WRITE_ACCESS, options: ['--process='],
      help: { usage: REMOVE_USAGE, description: 'Remove Docker option from app for phase (comma separated phase list)' }, run: remove,
    },
    {
      name: 'docker-options:report',
      help: { usage: 'docker-options:report [<app>] [<flag>]', description: 'Displays a docker options report for one or more apps' }, run: report,
    },
  ],
};
