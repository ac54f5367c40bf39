// An HTTPS listener on a certificate kept in two PEM files (git over TLS: SLIPWAY_GIT_TLS_CERT/KEY;
// the dashboard: SLIPWAY_DASHBOARD_TLS_CERT/KEY). The files are watched and a renewed pair serves
// from the next handshake; one that does not load keeps the old.
import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlipwayError } from '../errors.js';

/** How often the certificate files are looked at for a change (fs.watchFile polls). */
const WATCH_INTERVAL_MS = 10_000;

export interface TlsFiles { cert: string; key: string }

function load(files: TlsFiles): tls.SecureContextOptions {
  const options = { cert: fs.readFileSync(files.cert, 'utf8'), key: fs.readFileSync(files.key, 'utf8'), minVersion: 'TLSv1.2' as const };
  tls.createSecureContext(options); // throws on a bad PEM or a key that is not the certificate's
  return options;
}

export class HttpsListener {
  readonly server: https.Server;

  /** `what` names the listener in messages (`git HTTPS`, `dashboard`); `variables` the settings that name the files. */
  constructor(
    private readonly files: TlsFiles, onRequest: http.RequestListener, private readonly log: (line: string) => void,
    private readonly what = 'git HTTPS', variables = 'SLIPWAY_GIT_TLS_CERT, SLIPWAY_GIT_TLS_KEY',
  ) {
    let options: tls.SecureContextOptions;
    try {
      options = load(files);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${(error as NodeJS.ErrnoException).path ?? 'a file'} does not exist` : (error as Error).message;
      throw new SlipwayError('E_CERT_INVALID', `The ${what} certificate (${variables}) cannot be used: ${why}`, 1, { cause: error });
    }
    this.server = https.createServer({ ...options, requestTimeout: 0, headersTimeout: 60_000 }, onRequest);
    // Failed handshakes (scanners, clients that do not trust the certificate) are the client's business.
    this.server.on('tlsClientError', (_error, socket) => socket.destroy());
    for (const file of [files.cert, files.key]) fs.watchFile(file, { persistent: false, interval: WATCH_INTERVAL_MS }, () => this.reload());
  }

  private reload(): void {
    try {
      this.server.setSecureContext(load(this.files));
      this.log(`${this.what}: certificate reloaded`);
    } catch (error) {
      this.log(`${this.what}: the changed certificate files cannot be used, the previous certificate stays: ${(error as Error).message}`);
    }
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => { this.server.off('error', reject); resolve(); });
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    for (const file of [this.files.cert, this.files.key]) fs.unwatchFile(file);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => { if (this.server.listening) this.server.close(() => resolve()); else resolve(); });
  }
}
