// TLS for the built-in proxy: one secure context per app with a certificate (certs:*), chosen
// during the handshake by the server name (SNI) through the route table, swapped in place when
// an app's pair changes, so a new certificate serves from the next handshake on, no restart.
import tls, { type SecureContext } from 'node:tls';
import type { ErrorSink } from './types.js';

/** An app's certificate chain and key, PEM text (already checked by certs:add). */
export interface TlsPair { readonly crt: string; readonly key: string }

/** Dokku's nginx defaults: hsts true, hsts-max-age 15724800, hsts-include-subdomains true, hsts-preload false. */
export const HSTS_HEADER = 'max-age=15724800; includeSubdomains';

export class TlsContexts {
  private readonly contexts = new Map<string, SecureContext>();

  constructor(private readonly onError: ErrorSink) {}

  /** Installs (or, with no pair, drops) the app's certificate; an unusable pair is reported and dropped. */
  set(app: string, pair: TlsPair | undefined): void {
    if (pair === undefined) {
      this.contexts.delete(app);
      return;
    }
    try {
      this.contexts.set(app, tls.createSecureContext({ cert: pair.crt, key: pair.key, minVersion: 'TLSv1.2' }));
    } catch (error) {
      this.contexts.delete(app);
      this.onError(error as Error, `${app}: its certificate cannot be used`);
    }
  }

  has(app: string): boolean { return this.contexts.has(app); }

  get(app: string): SecureContext | undefined { return this.contexts.get(app); }
}
