// The client side of the control socket: forwards one request to the running server, pipes
// stdin up and stdout/stderr down, and resolves with the exit code (null: no server answers).
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { FRAME, encodeFrame, readFrames, type ControlRequest } from './protocol.js';

export interface ClientIO { stdin?: Readable; stdout: Writable; stderr: Writable }

export function connectControl(file: string): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(null));
  });
}

export function sendRequest(socket: net.Socket, request: ControlRequest, io: ClientIO): Promise<number> {
  return new Promise((resolve) => {
    let code: number | undefined;
    readFrames(socket, (type, payload) => {
      if (type === FRAME.stdout) io.stdout.write(payload);
      else if (type === FRAME.stderr) io.stderr.write(payload);
      else if (type === FRAME.exit) code = payload.readInt32BE(0);
    });
    socket.on('error', () => { /* reported as a missing exit code below */ });
    socket.on('close', () => {
      if (code === undefined) io.stderr.write(' !     lost the connection to the Slipway server\n');
      resolve(code ?? 1);
    });
    socket.write(encodeFrame(FRAME.header, JSON.stringify(request)));
    if (io.stdin) {
      io.stdin.on('data', (chunk: Buffer) => socket.write(encodeFrame(FRAME.stdin, chunk)));
      io.stdin.on('end', () => { if (!socket.destroyed) socket.write(encodeFrame(FRAME.stdinEnd, Buffer.alloc(0))); });
    } else {
      socket.write(encodeFrame(FRAME.stdinEnd, Buffer.alloc(0)));
    }
  });
}
