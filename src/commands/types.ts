// The shapes every command shares: who runs it, with which flags, and where its output goes.
// Commands write to the invocation's streams, never to process.stdout.
import type { Readable, Writable } from 'node:stream';

export interface Identity {
  /** SSH_USER: the login name (always the configured user for SSH; `root` locally). */
  user: string;
  /** SSH_NAME: the name the key was added under; `admin` for local runs. */
  keyName: string;
  fingerprint: string;
  admin: boolean;
  /** True when the command arrived over SSH (user-auth runs only then). */
  remote: boolean;
}

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

export interface Invocation {
  command: string;
  args: string[];
  flags: GlobalFlags;
  identity: Identity;
  io: CommandIO;
  /** Aborted when the client goes away: long commands and child processes stop. */
  signal: AbortSignal;
}

export interface HelpLine {
  /** e.g. `config:set [--encoded] [--no-restart] (<app>|--global) KEY1=VALUE1 [KEY2=VALUE2 ...]` */
  usage: string;
  description: string;
}
