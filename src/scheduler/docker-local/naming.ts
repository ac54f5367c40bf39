// Names and labels of docker-local containers: `APP.TYPE.N` (with a generation suffix while an
// older container holds the name), labelled with the app, process, release, generation and the
// Slipway instance (its data dir), so a server only ever reaps or removes its own containers.
import { createHash } from 'node:crypto';
import { LABEL, type Labels } from '../../docker/index.js';
import type { AppName } from '../../names.js';

export const DL_LABEL = {
  scheduler: 'com.slipway.scheduler',
  instance: 'com.slipway.instance',
  generation: 'com.slipway.generation',
  dyno: 'com.slipway.dyno',
} as const;

export const SCHEDULER_NAME = 'docker-local';

/** A short stable id of one Slipway installation: its data directory. */
export function instanceId(home: string): string {
  return createHash('sha256').update(home).digest('hex').slice(0, 12);
}

/** Labels every container this scheduler creates for this installation carries. */
export function ownLabels(instance: string): Labels {
  return { [DL_LABEL.scheduler]: SCHEDULER_NAME, [DL_LABEL.instance]: instance };
}

export interface ProcessLabels { app: AppName; type: string; dyno: string; version: number; generation: string }

export function processLabels(instance: string, p: ProcessLabels): Labels {
  return {
    ...ownLabels(instance),
    [LABEL.app]: p.app,
    [LABEL.process]: p.type,
    [LABEL.release]: String(p.version),
    [DL_LABEL.generation]: p.generation,
    [DL_LABEL.dyno]: p.dyno,
  };
}

/** Container names to try, in order: Dokku's `APP.TYPE.N`, then one unique to the generation. */
export function containerNames(app: AppName, dyno: string, generationTag: string): [string, string] {
  const base = `${app}.${dyno}`;
  return [base, `${base}.${generationTag}`];
}
