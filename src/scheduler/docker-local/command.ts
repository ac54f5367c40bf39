// What a container of one process type runs. A Dockerfile app without a Procfile has one type,
// `web`, whose command line is the image's own ENTRYPOINT + CMD rendered as text; that exact text
// means "run the image as it is". A Procfile line runs through `sh -c` (so `$PORT` expands), or
// is passed as words to the image's ENTRYPOINT when it has one, as Dokku does.
import { join, split } from 'shlex';
import type { ImageConfig } from '../../docker/index.js';
import { DeployFailed } from '../../errors.js';

/** The image's ENTRYPOINT + CMD as one shell-quoted line; empty when it has neither. */
export function imageCommandLine(config: Pick<ImageConfig, 'entrypoint' | 'cmd'>): string {
  return join([...config.entrypoint, ...config.cmd]);
}

/** The container's Cmd for a process type (undefined: keep the image's CMD). */
export function containerCmd(config: Pick<ImageConfig, 'entrypoint' | 'cmd'>, commandLine: string): string[] | undefined {
  if (commandLine === imageCommandLine(config)) return undefined;
  if (config.entrypoint.length > 0) {
    try {
      return split(commandLine);
    } catch (error) {
      throw new DeployFailed(`cannot split the command line \`${commandLine}\`: ${(error as Error).message}`, { cause: error });
    }
  }
  return ['/bin/sh', '-c', commandLine];
}
