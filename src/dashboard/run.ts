// Every change the dashboard makes is a command run through the same router as `ssh dokku@host …`:
// the same access checks (user-auth, the command's rule, acl grants), the same code, the same
// events line with the session's key name. Nothing here changes state by itself.
import { Readable, Writable } from 'node:stream';
import type { Router } from '../commands/router.js';
import type { Identity } from '../request-context.js';

/** Output kept for the page, at most (a command's output past it is cut, and says so). */
const MAX_OUTPUT = 64 * 1024;

export interface CommandResult {
  code: number;
  /** stdout and stderr interleaved as written, colour codes removed. */
  output: string;
}

function emptyInput(): Readable {
  return Readable.from([]);
}

/** Runs argv as identity and keeps its output (bounded) for the page. */
export async function runCommand(router: Router, identity: Identity, argv: string[], signal: AbortSignal): Promise<CommandResult> {
  let output = '';
  let cut = false;
  const sink = () => new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (output.length < MAX_OUTPUT) output += chunk.toString();
      else cut = true;
      done();
    },
  });
  const code = await router.run({ argv, identity, io: { stdin: emptyInput(), stdout: sink(), stderr: sink(), tty: false }, signal });
  output = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  return { code, output: cut ? `${output.slice(0, MAX_OUTPUT)}\n… (output cut)\n` : output };
}
