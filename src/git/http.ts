// Git smart HTTP (protocol v0/v1, stateless RPC) on its own port: token auth on every request,
// then the same transport as SSH — receive-pack bound to a push id, the same hook and deploy.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import { Writable, type Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Services } from '../services.js';
import type { Identity } from '../commands/types.js';
import { SlipwayError, userMessage } from '../errors.js';
import { parseRepoArg } from './repo-name.js';
import { parseBasicAuth, verifyToken } from './tokens.js';
import { gitOutput } from './spawn.js';
import { clientSink, type ClientSink } from '../os/client-sink.js';
import { withinSession } from '../os/fault-boundary.js';
import type { GitTransport } from './transport.js';

type Service = 'upload-pack' | 'receive-pack';

const STATUS: Record<string, number> = {
  E_APP_NOT_FOUND: 404,
  E_ACCESS_DENIED: 403,
  E_INVALID_APP_NAME: 404,
  E_APP_REQUIRED: 404,
};

function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, '0') + text;
}

function noCache(): Record<string, string> {
  return { 'Cache-Control': 'no-cache, max-age=0, must-revalidate', Pragma: 'no-cache', Expires: 'Fri, 01 Jan 1980 00:00:00 GMT' };
}

/** Sends the 200 headers (and an optional preamble) with the first byte git writes, so an
 *  error found before git starts can still be answered with a proper status. Writes go through
 *  a client sink: a client that left never turns into an error or a write after end. */
function lazyBody(res: http.ServerResponse, contentType: string, onGone: () => void, preamble = ''): ClientSink {
  return clientSink(res, {
    onGone,
    onFirstWrite() {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(200, { 'Content-Type': contentType, ...noCache() });
      if (preamble) res.write(preamble);
    },
  });
}

function plain(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) { res.destroy(); return; }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...noCache(), ...headers });
  res.end(`${text}\n`);
}

export class GitHttpServer {
  private readonly server: http.Server;
  private emptyRepo?: Promise<string>;

  constructor(private readonly services: Services, private readonly transport: GitTransport, private readonly log: (line: string) => void) {
    this.server = http.createServer(this.onRequest);
  }

  /** Every request, from the plain listener or the TLS one (./https.ts): the same handling. */
  readonly onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    // A response (or request) whose client left must never raise an error nobody listens to.
    res.on('error', (error) => this.log(`git-http: response: ${error.message}`));
    req.on('error', (error) => this.log(`git-http: request: ${error.message}`));
    // The request's error boundary: an error nothing caught ends this request only.
    const fail = () => { if (res.headersSent) res.destroy(); else plain(res, 500, 'internal error'); };
    withinSession({ label: `git-http ${req.method ?? ''} ${(req.url ?? '').split('?')[0]}`, fail }, () => {
      this.handle(req, res).catch((error: unknown) => {
        this.log(`git-http: ${error instanceof Error ? error.stack : String(error)}`);
        plain(res, 500, 'internal error');
      });
    });
  };

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => { this.server.off('error', reject); resolve(); });
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.emptyRepo) await fs.rm(path.dirname(await this.emptyRepo), { recursive: true, force: true });
  }

  /** What a push to a not-yet-created app is shown: an empty bare repo outside the data dir. */
  private empty(): Promise<string> {
    this.emptyRepo ??= (async () => {
      const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-empty-')), 'empty.git');
      await gitOutput(['init', '--bare', '--quiet', '--template=', dir]);
      return dir;
    })();
    return this.emptyRepo;
  }

  private async identity(req: http.IncomingMessage): Promise<Identity | undefined> {
    const auth = parseBasicAuth(req.headers.authorization);
    const key = auth && (await verifyToken(this.services.store, auth.user, auth.password));
    if (!key) return undefined;
    return { user: this.services.settings.sshUser, keyName: key.name, fingerprint: key.fingerprint, admin: key.admin, remote: true };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // The raw path, never decoded: an app name has no character that needs escaping.
    const [pathname, query = ''] = (req.url ?? '/').split('?', 2);
    const info = /^\/([^/]+)\/info\/refs$/.exec(pathname);
    const rpc = /^\/([^/]+)\/git-(upload-pack|receive-pack)$/.exec(pathname);
    let service: Service;
    let segment: string;
    if (info && req.method === 'GET') {
      const requested = new URLSearchParams(query).get('service');
      if (requested !== 'git-upload-pack' && requested !== 'git-receive-pack') {
        plain(res, 403, 'Only the smart HTTP protocol is supported (git 1.6.6 or later)');
        return;
      }
      service = requested === 'git-upload-pack' ? 'upload-pack' : 'receive-pack';
      segment = info[1];
    } else if (rpc && req.method === 'POST') {
      service = rpc[2] as Service;
      segment = rpc[1];
      if (req.headers['content-type'] !== `application/x-git-${service}-request`) {
        plain(res, 415, `Expected Content-Type application/x-git-${service}-request`);
        return;
      }
    } else {
      plain(res, 404, 'Not found');
      return;
    }

    const identity = await this.identity(req);
    if (!identity) {
      plain(res, 401, 'Authentication required: user = key name, password = its token (ssh dokku@host git:token:add NAME)', {
        'WWW-Authenticate': 'Basic realm="Slipway git", charset="UTF-8"',
      });
      return;
    }

    const controller = new AbortController();
    res.on('close', () => { if (!res.writableFinished) controller.abort(); });
    req.on('error', () => controller.abort());
    const messages = this.messageSink(identity.keyName);
    let body: ClientSink | undefined;
    try {
      const app = parseRepoArg(segment);
      await this.transport.authorize(service, app, identity, messages, controller.signal);
      let code: number;
      if (info) {
        body = lazyBody(res, `application/x-git-${service}-advertisement`, () => controller.abort(), `${pktLine(`# service=git-${service}\n`)}0000`);
        code = await this.transport.advertise(service, app, { stdout: body, stderr: messages }, controller.signal, () => this.empty());
      } else {
        body = lazyBody(res, `application/x-git-${service}-result`, () => controller.abort());
        const streams = { stdin: this.requestBody(req, controller), stdout: body, stderr: messages };
        code = service === 'receive-pack'
          ? await this.transport.push(app, 'rpc', identity, streams, controller.signal)
          : await this.transport.read('upload-pack', app, 'rpc', streams, controller.signal);
      }
      // Everything git wrote reaches the client (or the client left) before the response ends.
      await body.close();
      if (!res.headersSent) plain(res, code === 0 ? 200 : 500, code === 0 ? '' : `git ${service} failed`);
      else if (!res.destroyed && !res.writableEnded) res.end();
    } catch (error) {
      body?.release();
      if (!(error instanceof SlipwayError)) this.log(`git-http: ${error instanceof Error ? error.stack : String(error)}`);
      plain(res, error instanceof SlipwayError ? STATUS[error.code] ?? 400 : 500, userMessage(error));
    }
  }

  /** The request body, inflated when git compressed it. */
  private requestBody(req: http.IncomingMessage, controller: AbortController): Readable {
    const encoding = req.headers['content-encoding'];
    if (encoding !== 'gzip' && encoding !== 'x-gzip') return req;
    const gunzip = zlib.createGunzip();
    gunzip.on('error', () => controller.abort());
    return req.pipe(gunzip);
  }

  /** Pre-git messages of an HTTP request (there is no stderr channel): the server log. */
  private messageSink(who: string): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.log(`git-http (${who}): ${line}`);
        callback();
      },
    });
  }
}
