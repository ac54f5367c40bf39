// Let's Encrypt state: HTTP-01 challenge files (<app data dir>/acme-challenges/<token>, served by
// the built-in proxy and by nginx), the shared ACME account keys, and what was issued per app.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Layout } from './layout.js';
import type { AppName } from '../names.js';
import { readFileOr, writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';

/** RFC 8555 §8.3: a token is base64url characters only, so it is always a safe file name. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export function isAcmeToken(value: string): boolean { return TOKEN.test(value); }

/** What letsencrypt:enable issued: compared on the next enable (idempotence) and shown by list. */
export interface IssuedRecord {
  domains: string[];
  email: string;
  server: string;
  /** SHA-256 fingerprint of the certificate installed: it is still ours while certs holds it. */
  fingerprint256: string;
  /** ISO dates of the certificate's validity. */
  notAfter: string;
  issuedAt: string;
}

export class AcmeStore {
  constructor(private readonly layout: Layout) {}

  challengeDir(app: AppName): string { return this.layout.acmeChallengeDir(app); }

  async putChallenge(app: AppName, token: string, keyAuthorization: string): Promise<void> {
    if (!isAcmeToken(token)) throw new Error(`invalid ACME token: ${token.slice(0, 40)}`);
    await fs.mkdir(this.challengeDir(app), { recursive: true, mode: 0o755 });
    // World-readable: a system nginx (another user) serves the same file.
    await writeFileAtomic(path.join(this.challengeDir(app), token), keyAuthorization, 0o644);
  }

  async removeChallenge(app: AppName, token: string): Promise<void> {
    if (!isAcmeToken(token)) return;
    await fs.rm(path.join(this.challengeDir(app), token), { force: true });
  }

  /** The key authorization for a token, or undefined when none is pending. */
  async challenge(app: AppName, token: string): Promise<string | undefined> {
    if (!isAcmeToken(token)) return undefined;
    const value = await readFileOr(path.join(this.challengeDir(app), token), '\0');
    return value === '\0' ? undefined : value;
  }

  private accountKeyFile(server: string, email: string): string {
    const id = createHash('sha256').update(`${server}\n${email}`).digest('hex').slice(0, 32);
    return path.join(this.layout.letsencryptAccountsDir(), id, 'account.key');
  }

  /** The account key for (server, email), made by `create` the first time (0600). */
  async accountKey(server: string, email: string, create: () => Promise<string>): Promise<string> {
    const file = this.accountKeyFile(server, email);
    return withLock(this.layout.lockFile('letsencrypt-accounts'), async () => {
      const existing = await readFileOr(file, '');
      if (existing) return existing;
      const key = await create();
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, key, 0o600);
      return key;
    });
  }

  async issued(app: AppName): Promise<IssuedRecord | undefined> {
    const text = await readFileOr(path.join(this.layout.letsencryptDir(app), 'issued.json'), '');
    if (!text) return undefined;
    try {
      return JSON.parse(text) as IssuedRecord;
    } catch {
      return undefined;
    }
  }

  async setIssued(app: AppName, record: IssuedRecord): Promise<void> {
    await fs.mkdir(this.layout.letsencryptDir(app), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path.join(this.layout.letsencryptDir(app), 'issued.json'), `${JSON.stringify(record, null, 2)}\n`, 0o600);
  }

  /** Forgets the app's Let's Encrypt state and any challenge left behind. */
  async clear(app: AppName): Promise<void> {
    await fs.rm(this.layout.letsencryptDir(app), { recursive: true, force: true });
    await fs.rm(this.challengeDir(app), { recursive: true, force: true });
  }
}
