// The SSH front door: ssh2 Server with an ed25519 host key, publickey auth only, per-address
// connection limits and login timeouts; authenticated sessions go to the exec handler.
import ssh2 from 'ssh2';
import type { Connection, ClientInfo } from 'ssh2';
import type { AddressInfo } from 'node:net';
import type { Identity } from '../commands/types.js';
import { decide, type AuthPolicy } from './auth.js';
import { handleSession, type ExecHandler } from './session.js';

export interface SshServerOptions {
  hostKey: string;
  policy: AuthPolicy;
  onExec: ExecHandler;
  /** Seconds a connection may stay unauthenticated. */
  loginGraceSeconds?: number;
  maxConnectionsPerAddress?: number;
  log?: (line: string) => void;
}

export class SshServer {
  private readonly server: ssh2.Server;
  private readonly perAddress = new Map<string, number>();
  private readonly clients = new Set<Connection>();
  private readonly log: (line: string) => void;

  constructor(private readonly options: SshServerOptions) {
    this.log = options.log ?? ((line) => process.stderr.write(`slipway ssh: ${line}\n`));
    this.server = new ssh2.Server({
      hostKeys: [options.hostKey],
      ident: 'Slipway',
      algorithms: {
        // AES-GCM first: hardware-accelerated and AEAD, so no separate MAC pass.
        cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes256-ctr'],
        serverHostKey: ['ssh-ed25519'],
      },
    }, (client, info) => this.onConnection(client, info));
  }

  private onConnection(client: Connection, info: ClientInfo): void {
    const address = info.ip;
    const count = (this.perAddress.get(address) ?? 0) + 1;
    this.perAddress.set(address, count);
    this.clients.add(client);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.clients.delete(client);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    };
    client.on('close', release);
    client.on('end', release);
    client.on('error', (error) => this.log(`client ${address}: ${error.message}`));
    if (count > (this.options.maxConnectionsPerAddress ?? 64)) {
      this.log(`too many connections from ${address}; closing`);
      client.end();
      return;
    }
    const grace = setTimeout(() => client.end(), (this.options.loginGraceSeconds ?? 30) * 1000);
    grace.unref();
    let attempts = 0;
    let identity: Identity | undefined;
    client.on('authentication', (ctx) => {
      attempts++;
      if (attempts > this.options.policy.maxAttempts) { ctx.reject([], false); client.end(); return; }
      decide(ctx, this.options.policy).then((outcome) => {
        if (outcome.kind === 'accept') { identity = outcome.identity; ctx.accept(); }
        else if (outcome.kind === 'pk-ok') ctx.accept();
        else ctx.reject(['publickey']);
      }, (error: unknown) => {
        this.log(`auth error: ${error instanceof Error ? error.message : String(error)}`);
        ctx.reject(['publickey']);
      });
    });
    client.on('ready', () => {
      clearTimeout(grace);
      const who = identity;
      if (!who) { client.end(); return; }
      client.on('session', (accept) => handleSession(accept(), who, address, this.options.onExec, this.log));
    });
    // Port forwarding and other global requests are refused.
    client.on('request', (_accept, reject) => reject?.());
    client.on('tcpip', (_accept, reject) => reject());
    client.on('openssh.streamlocal', (_accept, reject) => reject());
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    for (const client of this.clients) client.end();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
