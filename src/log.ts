// Dokku's output prefixes, in one place: plugins and users read these as the interface.
import type { Writable } from 'node:stream';

export const prefix = {
  info1: '-----> ',
  info2: '=====> ',
  verbose: '       ',
  warn: ' !     ',
} as const;

export interface Out { stdout: Writable; stderr: Writable; quiet?: boolean }

function lines(text: string, p: string): string {
  return text.split('\n').map((l) => p + l).join('\n') + '\n';
}

export const log = {
  info1(out: Out, text: string): void { if (!out.quiet) out.stdout.write(lines(text, prefix.info1)); },
  info2(out: Out, text: string): void { if (!out.quiet) out.stdout.write(lines(text, prefix.info2)); },
  verbose(out: Out, text: string): void { if (!out.quiet) out.stdout.write(lines(text, prefix.verbose)); },
  warn(out: Out, text: string): void { out.stderr.write(lines(text, prefix.warn)); },
  fail(out: Out, text: string): void { out.stderr.write(lines(text, prefix.warn)); },
};
