// A programmable SSH client for hostile-client tests: ssh2's Client driven step by step (auth
// methods in a chosen order, agents that offer a key they cannot or will not sign with, a
// chosen signature algorithm), raw channel requests, and silent TCP sockets for floods.
import fs from 'node:fs';
import net from 'node:net';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, ClientChannel, ConnectConfig, ExecOptions, ParsedKey, SigningRequestOptions, SignCallback, IdentityCallback } from 'ssh2';

export function loadKey(file: string): ParsedKey {
  const parsed = ssh2.utils.parseKey(fs.readFileSync(file));
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/**
 * An agent that offers `offered` and then either cannot sign (no signer) or signs with a
 * different key (`signer`): the shapes of "a key merely offered" and "a forged signature".
 */
export class ScriptedAgent extends ssh2.BaseAgent<ParsedKey> {
  signRequests = 0;
  constructor(private readonly offered: ParsedKey, private readonly signer?: ParsedKey) { super(); }

  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    cb(undefined, [this.offered]);
  }

  sign(_pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    const done = typeof options === 'function' ? options : cb;
    const hash = typeof options === 'function' ? undefined : options.hash;
    this.signRequests++;
    if (!done) return;
    if (!this.signer) { done(new Error('this agent holds no private key')); return; }
    const signature = this.signer.sign(data, hash);
    if (signature instanceof Error) done(signature);
    else done(undefined, signature);
  }
}

export interface AuthRun {
  authenticated: boolean;
  /** Authentication steps the client got to send before the server decided or hung up. */
  stepsSent: number;
  /** Methods the server listed after each failure. */
  methodsOffered: AuthenticationType[][];
  errors: string[];
}

export interface ConnectOptions {
  /** Replace the server's `server-sig-algs` list as the client sees it, to force a signature algorithm. */
  sigAlgs?: string[];
  extra?: Partial<ConnectConfig>;
}

interface ExtInfo { name: string; algs?: string[] }
interface ProtocolInternals { _handlers: { EXT_INFO?: (p: unknown, exts: ExtInfo[]) => void } }

/** Overrides what the ssh2 client believes the server supports for signatures (test-only reach into ssh2). */
function forceSigAlgs(client: ssh2.Client, algs: string[]): void {
  const proto = (client as unknown as { _protocol?: ProtocolInternals })._protocol;
  if (!proto) throw new Error('ssh2 internals changed: no _protocol after connect()');
  const original = proto._handlers.EXT_INFO;
  proto._handlers.EXT_INFO = (p, exts) => {
    original?.(p, exts.map((ext) => (ext.name === 'server-sig-algs' ? { ...ext, algs } : ext)));
  };
}

function baseConfig(port: number, username: string): ConnectConfig {
  return { host: '127.0.0.1', port, username, readyTimeout: 20_000, hostVerifier: () => true };
}

/**
 * Connects and tries `steps` in order, one per server answer, then reports whether the
 * server ever let the client in. The client never runs anything.
 */
export function tryAuth(port: number, steps: AnyAuthMethod[], options: ConnectOptions = {}): Promise<AuthRun> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    const run: AuthRun = { authenticated: false, stepsSent: 0, methodsOffered: [], errors: [] };
    const queue = [...steps];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      client.end();
      resolve(run);
    };
    client.on('ready', () => { run.authenticated = true; finish(); });
    client.on('error', (error) => { run.errors.push(error.message); });
    client.on('close', finish);
    client.connect({
      ...baseConfig(port, steps[0]?.username ?? 'dokku'),
      ...options.extra,
      authHandler: (methodsLeft, _partial, next) => {
        if (Array.isArray(methodsLeft)) run.methodsOffered.push(methodsLeft);
        const step = queue.shift();
        if (!step) { next(false as unknown as AnyAuthMethod); return; }
        run.stepsSent++;
        next(step);
      },
    });
    if (options.sigAlgs) forceSigAlgs(client, options.sigAlgs);
  });
}

/** Logs in by trying `steps` in order; resolves with the connection, rejects if it never gets in. */
export function connectWith(port: number, steps: AnyAuthMethod[], extra: Partial<ConnectConfig> = {}): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const queue = [...steps];
    const errors: string[] = [];
    client.once('ready', () => resolve(client));
    client.on('error', (error) => { errors.push(error.message); });
    client.once('close', () => reject(new Error(`the server closed the connection before login: ${errors.join('; ')}`)));
    client.connect({
      ...baseConfig(port, steps[0]?.username ?? 'dokku'),
      ...extra,
      authHandler: (_methods, _partial, next) => {
        const step = queue.shift();
        next(step ?? (false as unknown as AnyAuthMethod));
      },
    });
  });
}

/** An authenticated ssh2 connection (publickey) for channel-level tests. */
export function connect(port: number, key: ParsedKey, extra: Partial<ConnectConfig> = {}): Promise<ssh2.Client> {
  return connectWith(port, [{ type: 'publickey', username: 'dokku', key }], extra);
}

export interface ExecResult { code: number | null; signal?: string; stdout: Buffer; stderr: string }

/** Runs one exec request on an open connection and collects its output. */
export function exec(client: ssh2.Client, command: string, options: ExecOptions = {}, input?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, options, (error, channel) => {
      if (error) { reject(error); return; }
      collect(channel, resolve);
      channel.end(input ?? '');
    });
  });
}

export function collect(channel: ClientChannel, resolve: (r: ExecResult) => void): void {
  const out: Buffer[] = [];
  let err = '';
  let code: number | null = null;
  let signal: string | undefined;
  channel.on('data', (chunk: Buffer) => out.push(chunk));
  channel.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  channel.on('exit', (c: number | null, s?: string) => { code = c; signal = s; });
  channel.on('close', () => resolve({ code, signal, stdout: Buffer.concat(out), stderr: err }));
}

/** Waits for a client to be closed by the server (the test's own timeout bounds the wait). */
export function closed(client: ssh2.Client): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** Opens n TCP connections to the port that send `greeting` (or nothing) and then stay silent. */
export async function silentSockets(port: number, n: number, greeting?: string): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < n; i++) {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
    socket.on('error', () => { /* closed by the server: expected */ });
    socket.on('data', () => { /* the server's banner: ignored */ });
    if (greeting) socket.write(greeting);
    sockets.push(socket);
  }
  return sockets;
}

export function isClosed(socket: net.Socket): boolean {
  return socket.destroyed || socket.readyState === 'closed';
}

/** Polls a condition until it holds (the caller's mocha timeout is the bound). */
export async function until(check: () => boolean | Promise<boolean>, stepMs = 50): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, stepMs));
}
