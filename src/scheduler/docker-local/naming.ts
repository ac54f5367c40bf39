// Names and labels of docker-local containers: `APP.TYPE.N` (with a generation suffix while an
// older container holds the name), labelled with the app, process, release, generation and the
// Slipway instance (its data dir), so a server only ever adopts or removes its own containers; a
// web container also carries its host port and every process container its config digest.
import { createHash } from 'node:crypto';
import { LABEL, type Labels } from '../../docker/index.js';
import type { AppName } from '../../names.js';

export const DL_LABEL = {
  scheduler: 'com.slipway.scheduler',
  instance: 'com.slipway.instance',
  generation: 'com.slipway.generation',
  dyno: 'com.slipway.dyno',
  /** The host port the proxy reaches a web container on (adoption routes it again). */
  port: 'com.slipway.port',
  /** Digest of the config the container was started with (adoption needs the same). */
  config: 'com.slipway.config',
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

export interface ProcessLabels { app: AppName; type: string; dyno: string; version: number; generation: string; port?: number; config?: string }

export function processLabels(instance: string, p: ProcessLabels): Labels {
  return {
    ...ownLabels(instance),
    [LABEL.app]: p.app,
    [LABEL.process]: p.type,
    [LABEL.release]: String(p.version),
    [DL_LABEL.generation]: p.generation,
    [DL_LABEL.dyno]: p.dyno,
    ...(p.port === undefined ? {} : { [DL_LABEL.port]: String(p.port) }),
    ...(p.config === undefined ? {} : { [DL_LABEL.config]: p.config }),
  };
}

/** Container names to try, in order: Dokku's `APP.TYPE.N`, then one unique to the generation. */
export function containerNames(app: AppName, dyno: string, generationTag: string): [string, string] {
  const base = `${app}.${dyno}`;
  return [base, `${base}.${generationTag}`];
}
