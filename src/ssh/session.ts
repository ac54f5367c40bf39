// One SSH session channel: refuses env, subsystems, X11 and agent forwarding, runs an exec
// request (or prints help for a shell request) and reports the exit status on the channel.
import type { Session, ServerChannel } from 'ssh2';
import type { CommandIO, Identity } from '../commands/types.js';

export interface ExecRequest {
  /** The raw exec line; null for a shell request (`ssh dokku@host` with no command). */
  line: string | null;
  identity: Identity;
  io: CommandIO;
  signal: AbortSignal;
  remoteAddress: string;
}

export type ExecHandler = (request: ExecRequest) => Promise<number>;

export function handleSession(session: Session, identity: Identity, remoteAddress: string, onExec: ExecHandler, log: (line: string) => void): void {
  let tty = false;
  let started = false;
  session.on('pty', (accept) => { tty = true; accept?.(); });
  session.on('window-change', (accept) => accept?.());
  // Client-chosen environment never reaches git or plugins (GIT_*, LD_PRELOAD, BASH_ENV, …).
  session.on('env', (_accept, reject) => reject?.());
  session.on('subsystem', (_accept, reject) => reject());
  session.on('x11', (_accept, reject) => reject());
  session.on('auth-agent', (_accept, reject) => reject?.());
  session.on('signal', (accept) => accept?.());

  const start = (channel: ServerChannel, line: string | null) => {
    started = true;
    const controller = new AbortController();
    channel.on('close', () => controller.abort());
    channel.on('error', () => controller.abort());
    const io: CommandIO = { stdin: channel, stdout: channel, stderr: channel.stderr, tty };
    onExec({ line, identity, io, signal: controller.signal, remoteAddress })
      .catch((error: unknown) => {
        log(`session error: ${error instanceof Error ? error.stack : String(error)}`);
        if (!controller.signal.aborted) channel.stderr.write(' !     internal error\n');
        return 1;
      })
      .then((code) => {
        if (controller.signal.aborted) return;
        channel.exit(code);
        channel.end();
      });
  };

  session.on('exec', (accept, reject, info) => {
    if (started) { reject?.(); return; }
    start(accept(), info.command);
  });
  session.on('shell', (accept, reject) => {
    if (started) { reject?.(); return; }
    start(accept(), null);
  });
}
