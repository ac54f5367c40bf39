// The server side of the control socket ($DOKKU_LIB_ROOT/run/control.sock, mode 0600): runs
// a local CLI command or a git hook inside the server and streams its output back.
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { CommandIO } from '../commands/types.js';
import { FRAME, encodeFrame, exitFrame, readFrames, type ControlRequest } from './protocol.js';

export type ControlHandler = (request: ControlRequest, io: CommandIO, signal: AbortSignal) => Promise<number>;

function frameWriter(socket: net.Socket, type: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      // The client left or the answer was sent: drop, never write after end (deploy output, hooks).
      if (socket.destroyed || socket.writableEnded) { callback(); return; }
      if (socket.write(encodeFrame(type, chunk))) { callback(); return; }
      // A wait for 'drain' is released when the client leaves, so a pipe into here never stalls.
      const done = () => { socket.off('drain', done); socket.off('close', done); callback(); };
      socket.on('drain', done);
      socket.on('close', done);
    },
  });
}

async function socketInUse(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
}

export class ControlServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(readonly file: string, private readonly handler: ControlHandler, private readonly log: (line: string) => void) {
    this.server = net.createServer((socket) => this.onConnection(socket));
  }

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    const controller = new AbortController();
    const stdin = new PassThrough();
    let started = false;
    socket.on('close', () => { this.sockets.delete(socket); controller.abort(); stdin.end(); });
    socket.on('error', () => controller.abort());
    readFrames(socket, (type, payload) => {
      if (type === FRAME.stdin) { stdin.write(payload); return; }
      if (type === FRAME.stdinEnd) { stdin.end(); return; }
      if (type !== FRAME.header || started) { socket.destroy(); return; }
      started = true;
      let request: ControlRequest;
      try {
        request = JSON.parse(payload.toString('utf8')) as ControlRequest;
      } catch {
        socket.destroy();
        return;
      }
      const io: CommandIO = { stdin, stdout: frameWriter(socket, FRAME.stdout), stderr: frameWriter(socket, FRAME.stderr), tty: false };
      this.handler(request, io, controller.signal)
        .catch((error: unknown) => {
          this.log(`control request failed: ${error instanceof Error ? error.stack : String(error)}`);
          return 1;
        })
        .then((code) => {
          if (!socket.destroyed) socket.end(exitFrame(code));
        });
    });
  }

  async listen(): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    if (fs.existsSync(this.file)) {
      if (await socketInUse(this.file)) throw new Error(`another Slipway server is running (control socket ${this.file} answers)`);
      fs.rmSync(this.file, { force: true });
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.file, () => { this.server.off('error', reject); resolve(); });
    });
    fs.chmodSync(this.file, 0o600);
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => { fs.rmSync(this.file, { force: true }); resolve(); }));
  }
}
