// The SSH front door: ssh2 Server with an ed25519 host key, publickey auth only, connection
// limits counted from the TCP accept (limits.ts), login and idle timeouts; authenticated sessions
// go to the exec handler with the identity of the one key whose signature logged them in.
import net from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ClientInfo, Session } from 'ssh2';
import type { AddressInfo } from 'node:net';
import type { Identity } from '../commands/types.js';
import { decide, type AuthPolicy } from './auth.js';
import { handleSession, type ExecHandler } from './session.js';
import { ConnectionLimiter } from './limits.js';
import { isOversizePacket, lingerUntilClientCloses, tellOversize } from './oversize.js';
import { defaultSshLimits, type SshLimits } from '../settings.js';

export interface SshServerOptions {
  hostKey: string;
  policy: AuthPolicy;
  onExec: ExecHandler;
  /** Timeouts and caps; SLIPWAY_SSH_* settings, defaults in settings.ts. */
  limits?: Partial<SshLimits>;
  log?: (line: string) => void;
}

export class SshServer {
  private readonly server: ssh2.Server;
  /** Accepts TCP itself so limits apply before ssh2 sees a byte (ssh2 reports a client only after its ident line). */
  private readonly tcp: net.Server;
  private readonly limiter: ConnectionLimiter;
  private readonly limits: SshLimits;
  private readonly clients = new Set<Connection>();
  /** Accepted TCP sockets by peer address:port (what ssh2's ClientInfo names a client by). */
  private readonly sockets = new Map<string, net.Socket>();
  private readonly log: (line: string) => void;

  constructor(private readonly options: SshServerOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`slipway ssh: ${line}\n`));
    this.limits = { ...defaultSshLimits, maxAuthTries: options.policy.maxAttempts, ...options.limits };
    this.limiter = new ConnectionLimiter(this.limits, this.log);
    this.server = new ssh2.Server({
      hostKeys: [options.hostKey],
      ident: 'Slipway',
      algorithms: {
        // AES-GCM first: hardware-accelerated and AEAD, so no separate MAC pass.
        cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-ctr'],
        serverHostKey: ['ssh-ed25519'],
      },
    }, (client, info) => this.onConnection(client, info));
    // noDelay: ssh2 writes small packets back to back; with Nagle on, the OpenSSH client's
    // delayed ACKs stall each command by ~40 ms twice (measured in bench/roundtrip).
    this.tcp = net.createServer({ noDelay: true }, (socket) => {
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      this.sockets.set(peer, socket);
      socket.once('close', () => this.sockets.delete(peer));
      this.limiter.admit(socket);
      this.server.injectSocket(socket);
    });
  }

  private onConnection(client: Connection, info: ClientInfo): void {
    const address = info.ip;
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    // Sessions opened but with no command yet: the ones an oversize exec request was meant for.
    const waiting = new Set<Session>();
    client.on('error', (error) => {
      this.log(`client ${address}: ${error.message}`);
      // ssh2 hangs up right after this event; a too-long command line gets one clear line first.
      if (isOversizePacket(error) && tellOversize(client, waiting) > 0) {
        this.log(`client ${address}: told the command line was too long`);
        const socket = this.sockets.get(`${info.ip}:${info.port}`);
        if (socket) lingerUntilClientCloses(socket);
      }
    });
    let attempts = 0;
    let noneSeen = false;
    let closing = false;
    // Set only for the synchronous span of the accept() that follows a verified signature: ssh2
    // emits 'ready' inside that call, so the session is bound to exactly that key and no other.
    let verified: Identity | undefined;
    client.on('authentication', (ctx) => {
      if (closing) { ctx.reject([], false); return; }
      // OpenSSH opens with a `none` probe; that first one is free, every other request counts.
      if (ctx.method === 'none' && !noneSeen) noneSeen = true;
      else attempts++;
      if (attempts > this.limits.maxAuthTries) {
        closing = true;
        this.log(`client ${address}: more than ${this.limits.maxAuthTries} authentication attempts; closing`);
        client.end();
        return;
      }
      decide(ctx, this.options.policy).then((outcome) => {
        if (closing) { ctx.reject([], false); return; }
        if (outcome.kind === 'accept') {
          if (!this.limiter.mayAuthenticate(info.ip, info.port)) {
            this.log(`refusing login from ${address}: SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS (${this.limits.maxConnectionsPerAddress}) reached`);
            closing = true;
            ctx.reject([], false);
            client.end();
            return;
          }
          verified = outcome.identity;
          ctx.accept();
          verified = undefined;
        } else if (outcome.kind === 'pk-ok') ctx.accept();
        else ctx.reject(['publickey']);
      }, (error: unknown) => {
        this.log(`auth error: ${error instanceof Error ? error.message : String(error)}`);
        ctx.reject(['publickey']);
      });
    });
    client.on('ready', () => {
      const who = verified;
      if (!who || !this.limiter.authenticate(info.ip, info.port)) { client.end(); return; }
      const idle = this.idleTimer(client, address);
      client.on('session', (accept) => {
        const session = accept();
        waiting.add(session);
        for (const event of ['exec', 'shell', 'close'] as const) session.prependOnceListener(event, () => waiting.delete(session));
        idle.opened();
        let open = true;
        session.once('close', () => { if (open) { open = false; idle.closed(); } });
        handleSession(session, who, address, this.options.onExec, this.log);
      });
      client.once('close', () => idle.stop());
    });
    // Port forwarding and other global requests are refused.
    client.on('request', (_accept, reject) => reject?.());
    client.on('tcpip', (_accept, reject) => reject());
    client.on('openssh.streamlocal', (_accept, reject) => reject());
  }

  /** Closes a logged-in connection that has had no open session for idleTimeoutSeconds (0: never). */
  private idleTimer(client: Connection, address: string): { opened(): void; closed(): void; stop(): void } {
    const ms = this.limits.idleTimeoutSeconds * 1000;
    let sessions = 0;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (ms <= 0 || sessions > 0 || stopped) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        this.log(`client ${address}: idle for ${this.limits.idleTimeoutSeconds}s with no session; closing`);
        client.end();
      }, ms);
      timer.unref();
    };
    const disarm = () => { if (timer) clearTimeout(timer); timer = undefined; };
    arm();
    return {
      opened() { sessions++; disarm(); },
      closed() { sessions = Math.max(0, sessions - 1); arm(); },
      stop() { stopped = true; disarm(); },
    };
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen(port, host, () => {
        this.tcp.off('error', reject);
        this.tcp.on('error', (error) => this.log(`listener: ${error.message}`));
        resolve(this.tcp.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    for (const client of this.clients) client.end();
    this.limiter.closeUnauthenticated();
    return new Promise((resolve) => this.tcp.close(() => resolve()));
  }
}
