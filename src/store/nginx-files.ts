// The files nginx reads, where Dokku keeps them: each app's $DOKKU_ROOT/APP/nginx.conf and its
// nginx.conf.d/ (plugins' fragments), the ACME challenge folder, and for a Slipway-managed nginx
// its own prefix folder ($DOKKU_LIB_ROOT/data/nginx: main config, pid file, logs, temp files).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Layout } from './layout.js';
import type { AppName } from '../names.js';
import { exists, readFileOr, writeFileAtomic } from './atomic.js';

export class NginxFiles {
  constructor(private readonly layout: Layout) {}

  appConfig(app: AppName): string { return path.join(this.layout.appDir(app), 'nginx.conf'); }

  includeDir(app: AppName): string { return path.join(this.layout.appDir(app), 'nginx.conf.d'); }

  /** HTTP-01 tokens (written by the ACME client), answered at /.well-known/acme-challenge/ by either proxy. */
  acmeDir(app: AppName): string { return this.layout.acmeChallengeDir(app); }

  /** The glob the main config includes: every app's nginx.conf. */
  allAppConfigs(): string { return path.join(this.layout.settings.dokkuRoot, '*', 'nginx.conf'); }

  prefix(): string { return path.join(this.layout.settings.libRoot, 'data', 'nginx'); }

  libRoot(): string { return this.layout.settings.libRoot; }

  /** The app's own nginx.conf.sigil, as its last deploy brought it (Dokku keeps it under data/nginx-vhosts). */
  customTemplate(app: AppName): string { return path.join(this.layout.appDataDir(app), 'nginx.conf.sigil'); }

  async readCustomTemplate(app: AppName): Promise<string | undefined> {
    const text = await readFileOr(this.customTemplate(app), '\0');
    return text === '\0' ? undefined : text;
  }

  /** Keeps the template a deploy brought, or (undefined) forgets the previous one. */
  async writeCustomTemplate(app: AppName, text: string | undefined): Promise<void> {
    if (text === undefined) {
      await fs.rm(this.customTemplate(app), { force: true });
      return;
    }
    await fs.mkdir(path.dirname(this.customTemplate(app)), { recursive: true });
    await writeFileAtomic(this.customTemplate(app), text, 0o644);
  }

  async readAppConfig(app: AppName): Promise<string | undefined> {
    const text = await readFileOr(this.appConfig(app), '\0');
    return text === '\0' ? undefined : text;
  }

  /** Writes the app's nginx.conf (and makes its nginx.conf.d/ and challenge folder, as Dokku does). */
  async writeAppConfig(app: AppName, text: string): Promise<void> {
    await fs.mkdir(this.includeDir(app), { recursive: true });
    await fs.mkdir(this.acmeDir(app), { recursive: true });
    await writeFileAtomic(this.appConfig(app), text, 0o644);
  }

  async removeAppConfig(app: AppName): Promise<boolean> {
    if (!(await exists(this.appConfig(app)))) return false;
    await fs.rm(this.appConfig(app), { force: true });
    return true;
  }

  /** The managed nginx's folders (logs, temp files) under its prefix. */
  async preparePrefix(): Promise<void> {
    for (const dir of ['logs', 'tmp']) await fs.mkdir(path.join(this.prefix(), dir), { recursive: true, mode: 0o755 });
  }

  /** The main config (managed) or the include file the system nginx reads (system). */
  async writeMainConfig(file: string, text: string): Promise<void> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, text, 0o644);
  }

  async readPidFile(file: string): Promise<number | undefined> {
    const text = (await readFileOr(file, '')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  }

  /** Bytes in a log file (0 when it is not there yet). */
  async logSize(file: string): Promise<number> {
    try {
      return (await fs.stat(file)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
  }

  /** The last `count` lines of a log (read from its last 256 KiB only). */
  async lastLines(file: string, count: number): Promise<string> {
    const size = await this.logSize(file);
    const start = Math.max(0, size - 256 * 1024);
    const { text } = await this.readFrom(file, start);
    const lines = text.split('\n');
    if (start > 0) lines.shift(); // a partial first line
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.slice(-count).map((l) => `${l}\n`).join('');
  }

  /** What the log holds from `offset` on (at most 1 MiB a call), and where the next read starts. */
  async readFrom(file: string, offset: number): Promise<{ text: string; next: number }> {
    let handle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', next: offset };
      throw error;
    }
    try {
      const size = (await handle.stat()).size;
      const from = size < offset ? 0 : offset; // rotated: start again
      const length = Math.min(size - from, 1024 * 1024);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, from);
      return { text: buffer.subarray(0, bytesRead).toString('utf8'), next: from + bytesRead };
    } finally {
      await handle.close();
    }
  }
}
