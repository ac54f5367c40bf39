// What the server's git uses to reach other git servers, where Dokku keeps it in the dokku user's
// home: $DOKKU_ROOT/.netrc (git:auth), $DOKKU_ROOT/.ssh/known_hosts (git:allow-host) and the deploy
// key $DOKKU_ROOT/.ssh/id_ed25519 (git:generate-deploy-key). Writes are atomic, each under its lock.
import fs from 'node:fs/promises';
import type { Layout } from './layout.js';
import { readFileOr, removeStaleTemps, writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';

export interface NetrcEntry { host: string; login: string; password: string }

/** A netrc token is one word: no whitespace, no quote, no control character. */
export function isNetrcWord(value: string): boolean {
  return /^[^\s"\\\x00-\x1f\x7f]{1,512}$/.test(value) && !value.startsWith('#');
}

/**
 * netrc's `machine HOST login USER password PASS` entries (other keywords are skipped with their
 * value; `default` and `macdef` end what Slipway reads, as nothing after them is a machine entry).
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const words = text.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n').split(/\s+/).filter(Boolean);
  const entries: NetrcEntry[] = [];
  let current: NetrcEntry | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === 'default' || word === 'macdef') break;
    if (word === 'machine') {
      current = { host: words[++i] ?? '', login: '', password: '' };
      entries.push(current);
    } else if (current && (word === 'login' || word === 'password' || word === 'account')) {
      const value = words[++i] ?? '';
      if (word === 'login') current.login = value;
      if (word === 'password') current.password = value;
    }
  }
  return entries;
}

function formatNetrc(entries: NetrcEntry[]): string {
  return entries.map((e) => `machine ${e.host}\n  login ${e.login}\n  password ${e.password}\n`).join('');
}

export class GitAuthStore {
  constructor(private readonly layout: Layout) {}

  get netrcFile(): string { return this.layout.netrcFile(); }
  get knownHostsFile(): string { return this.layout.knownHostsFile(); }
  get deployKeyFile(): string { return this.layout.deployKeyFile(); }

  async netrc(): Promise<NetrcEntry[]> {
    return parseNetrc(await readFileOr(this.netrcFile, ''));
  }

  /** Sets (login given) or removes (login undefined) the host's entry; true when something changed. */
  async setNetrc(host: string, credentials: { login: string; password: string } | undefined): Promise<boolean> {
    return withLock(this.layout.lockFile('netrc'), async () => {
      const entries = await this.netrc();
      const others = entries.filter((e) => e.host !== host);
      const next = credentials ? [...others, { host, ...credentials }] : others;
      if (!credentials && others.length === entries.length) return false;
      await removeStaleTemps(this.netrcFile);
      await writeFileAtomic(this.netrcFile, formatNetrc(next), 0o600);
      return true;
    });
  }

  /** Appends ssh-keyscan's lines (each `HOST TYPE KEY`), skipping those the file already has. */
  async allowHostKeys(lines: string[]): Promise<number> {
    return withLock(this.layout.lockFile('known-hosts'), async () => {
      const text = await readFileOr(this.knownHostsFile, '');
      const have = new Set(text.split('\n').map((l) => l.trim()));
      const fresh = [...new Set(lines)].filter((l) => !have.has(l));
      if (fresh.length === 0) return 0;
      await fs.mkdir(this.layout.dokkuSshDir(), { recursive: true, mode: 0o700 });
      await removeStaleTemps(this.knownHostsFile);
      await writeFileAtomic(this.knownHostsFile, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${fresh.join('\n')}\n`, 0o644);
      return fresh.length;
    });
  }

  /** The deploy key's public line: id_ed25519.pub, else id_rsa.pub (a Dokku host's older key). */
  async publicDeployKey(): Promise<string | undefined> {
    for (const file of [`${this.deployKeyFile}.pub`, this.layout.rsaDeployKeyFile() + '.pub']) {
      const text = await readFileOr(file, '');
      if (text.trim()) return text;
    }
    return undefined;
  }

  /** Installs a generated key pair unless a deploy key exists (false then: nothing is written). */
  async installDeployKey(privateKey: string, publicKey: string): Promise<boolean> {
    return withLock(this.layout.lockFile('deploy-key'), async () => {
      if (await this.publicDeployKey()) return false;
      await fs.mkdir(this.layout.dokkuSshDir(), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.deployKeyFile, privateKey, 0o600);
      await writeFileAtomic(`${this.deployKeyFile}.pub`, publicKey, 0o644);
      return true;
    });
  }
}
