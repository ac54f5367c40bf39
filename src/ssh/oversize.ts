// ssh2 hangs up on a client that sends a packet over 35,000 bytes ("Bad packet length"): a command
// line that long never arrives. Before the hang-up, sessions still waiting are told why, in one line.
import type { Socket } from 'node:net';
import type { Session } from 'ssh2';

/** ssh2's fixed limit (MAX_PACKET_SIZE in ssh2/lib/protocol/crypto.js; not configurable). */
export const SSH2_MAX_PACKET = 35_000;

export const OVERSIZE_MESSAGE =
  ` !     Command line too long: this server reads SSH packets of at most ${SSH2_MAX_PACKET} bytes ` +
  '(a command line of about 34,900 bytes); send long values on stdin instead, e.g. ' +
  '`ssh dokku@HOST config:import APP < .env`\n';

/** The parts of ssh2's protocol object and session used here (ssh2 internals, pinned by a test). */
interface ProtocolInternals {
  channelExtData(chan: number, data: string, type: number): void;
  exitStatus(chan: number, status: number): void;
  channelEOF(chan: number): void;
  channelClose(chan: number): void;
}
interface SessionInternals { _chanInfo?: { outgoing?: { id?: number; state?: string } } }

const STDERR = 1;

export function isOversizePacket(error: Error): boolean {
  return error.message.startsWith('Bad packet length');
}

/**
 * Sends the message on each session that has not started a command (the one whose exec request
 * was too big), with exit status 1, and closes those channels. Returns how many were told;
 * 0 when ssh2's internals are not what this expects (then the client sees only the hang-up).
 */
export function tellOversize(client: unknown, waiting: Iterable<Session>): number {
  const protocol = (client as { _protocol?: Partial<ProtocolInternals> })._protocol;
  if (!protocol || typeof protocol.channelExtData !== 'function' || typeof protocol.exitStatus !== 'function'
    || typeof protocol.channelEOF !== 'function' || typeof protocol.channelClose !== 'function') return 0;
  let told = 0;
  for (const session of waiting) {
    const outgoing = (session as unknown as SessionInternals)._chanInfo?.outgoing;
    if (typeof outgoing?.id !== 'number' || outgoing.state !== 'open') continue;
    protocol.channelExtData(outgoing.id, OVERSIZE_MESSAGE, STDERR);
    protocol.exitStatus(outgoing.id, 1);
    protocol.channelEOF(outgoing.id);
    protocol.channelClose(outgoing.id);
    outgoing.state = 'closing';
    told++;
  }
  return told;
}

/** How long the server waits for the client to hang up by itself after being told. */
const LINGER_MS = 2000;

/**
 * ssh2 ends the TCP connection right after its error event; a client that sees that end before
 * it processed the channel close prints "Connection … closed by remote host" under the message.
 * So the end is held back until the client closes its side (it does once the channel is closed),
 * at most LINGER_MS. ssh2's parser is broken past a bad packet: what the client sends is dropped.
 */
export function lingerUntilClientCloses(socket: Socket): void {
  socket.removeAllListeners('data');
  socket.on('data', () => undefined);
  const end = socket.end.bind(socket);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('end', () => { clearTimeout(timer); end(); });
  socket.once('close', () => clearTimeout(timer));
  socket.end = ((..._args: unknown[]) => socket) as Socket['end'];
}
