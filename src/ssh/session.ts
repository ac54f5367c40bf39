// One SSH session channel: refuses env, subsystems, X11 and agent forwarding, runs an exec
// request (or prints help for a shell request) and reports the exit status on the channel.
import type { Session, ServerChannel } from 'ssh2';
import type { CommandIO, Identity } from '../commands/types.js';
import { clientSink } from '../os/client-sink.js';
import { withinSession } from '../os/fault-boundary.js';
import { injectedFault } from './fault-injection.js';

export interface ExecRequest {
  /** The raw exec line; null for a shell request (`ssh dokku@host` with no command). */
  line: string | null;
  identity: Identity;
  io: CommandIO;
  signal: AbortSignal;
  remoteAddress: string;
}

export type ExecHandler = (request: ExecRequest) => Promise<number>;

/** The start of the exec line for the server log (a config value can be long and secret). */
function shortLine(line: string | null): string {
  if (line === null) return '(shell)';
  const words = line.split(/\s+/, 2).join(' ');
  return words.length > 60 ? `${words.slice(0, 60)}…` : words;
}

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
    let clientGone = false;
    let finished = false;
    // The client left (killed, disconnected, closed the channel): stop the work it started.
    const gone = () => { clientGone = true; controller.abort(); };
    channel.on('close', gone);
    channel.on('error', gone);
    // Commands only ever see these sinks, never the channel's own writable sides.
    const stdout = clientSink(channel, { onGone: gone });
    const stderr = clientSink(channel.stderr, { onGone: gone });
    const io: CommandIO = { stdin: channel, stdout, stderr, tty };

    /** Sends what is still buffered, then the exit status, and ends the channel; only once. */
    const finish = async (code: number): Promise<void> => {
      if (finished) return;
      finished = true;
      await Promise.all([stdout.close(), stderr.close()]);
      if (clientGone) return;
      try {
        channel.exit(code);
        channel.end();
      } catch (error) {
        // ssh2 throws when the connection was torn down between the check and the call.
        log(`session of ${identity.keyName}@${remoteAddress}: could not send the exit status: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    /** The error boundary's way out: this session alone fails, its work is stopped. */
    const fail = () => {
      if (!clientGone && !finished) stderr.write(' !     internal error\n');
      void finish(1);
      controller.abort();
    };

    withinSession({ label: `ssh ${identity.keyName}@${remoteAddress} ${shortLine(line)}`, fail }, () => {
      const fault = injectedFault(line);
      const run = fault ? fault(controller.signal) : onExec({ line, identity, io, signal: controller.signal, remoteAddress });
      run
        .catch((error: unknown) => {
          log(`session error: ${error instanceof Error ? error.stack : String(error)}`);
          if (!clientGone) stderr.write(' !     internal error\n');
          return 1;
        })
        .then((code) => finish(code));
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
