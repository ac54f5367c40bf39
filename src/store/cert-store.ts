// An app's TLS certificate and key at Dokku's paths ($DOKKU_ROOT/APP/tls/server.crt, server.key),
// written under the app's lock, readable only by the server's user (folder 0700, files 0600).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Layout } from './layout.js';
import type { AppName } from '../names.js';
import { readFileOr, writeFileAtomic, exists } from './atomic.js';
import { withLock } from './lock.js';

/** A certificate chain and its private key, both PEM text. */
export interface CertPair { crt: string; key: string }

export class CertStore {
  constructor(private readonly layout: Layout) {}

  dir(app: AppName): string { return this.layout.appTlsDir(app); }

  private files(app: AppName): { crt: string; key: string } {
    const dir = this.dir(app);
    return { crt: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
  }

  /** The app's pair, or undefined unless both files are there (Dokku's is_ssl_enabled). */
  async get(app: AppName): Promise<CertPair | undefined> {
    const files = this.files(app);
    const [crt, key] = await Promise.all([readFileOr(files.crt, ''), readFileOr(files.key, '')]);
    return crt && key ? { crt, key } : undefined;
  }

  /** Replaces the app's pair (the key first: a reader never sees a new certificate with an old key for long). */
  async set(app: AppName, pair: CertPair): Promise<void> {
    const files = this.files(app);
    await withLock(this.layout.appLock(app), async () => {
      await fs.mkdir(this.dir(app), { recursive: true, mode: 0o700 });
      await fs.chmod(this.dir(app), 0o700);
      await writeFileAtomic(files.key, pair.key, 0o600);
      await writeFileAtomic(files.crt, pair.crt, 0o600);
    });
  }

  /** Removes the app's tls folder; false when it had none (Dokku checks the folder, not the files). */
  async remove(app: AppName): Promise<boolean> {
    return withLock(this.layout.appLock(app), async () => {
      if (!(await exists(this.dir(app)))) return false;
      await fs.rm(this.dir(app), { recursive: true, force: true });
      return true;
    });
  }
}
