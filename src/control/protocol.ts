// Framing for the local control socket: one byte of type, four bytes of length, payload.
// Local CLIs and git hooks use it to run work inside the server process.
import type { Socket } from 'node:net';

export const FRAME = {
  header: 0x48, // H: JSON request, first frame from the client
  stdin: 0x49, // I: client stdin bytes
  stdinEnd: 0x45, // E: client stdin closed
  stdout: 0x4f, // O
  stderr: 0x52, // R
  exit: 0x58, // X: 4-byte exit code, last frame from the server
} as const;

export const MAX_FRAME = 16 * 1024 * 1024;

export function encodeFrame(type: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export function exitFrame(code: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeInt32BE(code, 0);
  return encodeFrame(FRAME.exit, body);
}

/** Calls onFrame for every complete frame read from the socket; errors on oversize frames. */
export function readFrames(socket: Socket, onFrame: (type: number, payload: Buffer) => void): void {
  let buffer: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    while (buffer.length >= 5) {
      const length = buffer.readUInt32BE(1);
      if (length > MAX_FRAME) {
        socket.destroy(new Error('control frame too large'));
        return;
      }
      if (buffer.length < 5 + length) break;
      const type = buffer[0];
      const payload = buffer.subarray(5, 5 + length);
      buffer = buffer.subarray(5 + length);
      onFrame(type, payload);
    }
  });
}

export interface CommandRequest {
  kind: 'command';
  argv: string[];
  /** SSH_USER / SSH_NAME of the caller (a plugin run on behalf of a key), if any. */
  user?: string;
  keyName?: string;
  trace?: boolean;
  quiet?: boolean;
}

export interface HookRequest {
  kind: 'pre-receive';
  app: string;
  /** Lines git gave the hook on stdin: `OLD NEW REF`. */
  updates: Array<{ oldRev: string; newRev: string; ref: string }>;
  gitEnv: Record<string, string>;
  /** The push id the server put in the hook's environment, binding the hook to its push. */
  pushId: string;
}

export type ControlRequest = CommandRequest | HookRequest;
