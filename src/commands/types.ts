// The shapes every command shares: who runs it, with which flags, and where its output goes.
// Commands write to the invocation's streams, never to process.stdout.
import type { Readable, Writable } from 'node:stream';
import type { Identity, RequestContext } from '../request-context.js';

export type { Identity, RequestContext };

export interface GlobalFlags {
  trace: boolean;
  quiet: boolean;
  force: boolean;
  app?: string;
}

export interface CommandIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** The client asked for a pty (ssh -t). */
  tty: boolean;
}

/** A command's arguments split once by the options it declares (takeFlags' shape). */
export interface ParsedArgs {
  /** Boolean options given (`--force`). */
  set: Set<string>;
  /** Valued options given (`--format` → `json`); the last one when given several times. */
  values: Map<string, string>;
  positional: string[];
}

/** One command run: the request (who, and the signal that stops it when the client goes away) and what it asked. */
export interface Invocation extends RequestContext {
  command: string;
  /** Every argument after the command (`--app APP` already moved first). */
  args: string[];
  /** args split by the command's declared options: what the router authorized. */
  options: ParsedArgs;
  flags: GlobalFlags;
  io: CommandIO;
}

export interface HelpLine {
  /** e.g. `config:set [--encoded] [--no-restart] (<app>|--global) KEY1=VALUE1 [KEY2=VALUE2 ...]` */
  usage: string;
  description: string;
}
