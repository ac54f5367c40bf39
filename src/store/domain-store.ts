// Domains in Dokku's files: $DOKKU_ROOT/APP/VHOST (the app's hostnames, one per line) and
// $DOKKU_ROOT/VHOST (global domains; an app without its own file answers on APP.GLOBAL). An app
// whose config has NO_VHOST=1 (domains:disable) has no hostnames at all, as in Dokku.
import fs from 'node:fs/promises';
import type { Layout } from './layout.js';
import type { ConfigStore } from './config-store.js';
import type { AppName } from '../names.js';
import { readFileOr, writeFileAtomic } from './atomic.js';
import { withLock } from './lock.js';

export const DEFAULT_GLOBAL_DOMAIN = 'localhost';

/** A global "domain" that is an IPv4 (or IPv6) address gives apps no default hostname, as in Dokku. */
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** What a plugin's name may hold (the nginx config and URLs take it as it is). */
const HOSTNAME = /^[a-z0-9*.-]+$/;

/**
 * Dokku's nginx-hostname, as the plugin host answers it: a plugin's hostname for the app under one
 * global domain (APP, the app name less `.VHOST`, VHOST), or '' to keep the default name.
 */
export type HostnameHook = (app: AppName, subdomain: string, vhost: string) => Promise<string>;

function parseLines(text: string): string[] {
  return [...new Set(text.split('\n').map((l) => l.trim().toLowerCase()).filter((l) => l && !l.startsWith('#')))];
}

export class DomainStore {
  private hostnameHook?: HostnameHook;

  constructor(private readonly layout: Layout, private readonly config: ConfigStore) {}

  /** Where default names are asked for (boot wires the plugin host's nginx-hostname). */
  nameDefaultsWith(hook: HostnameHook): void {
    this.hostnameHook = hook;
  }

  /** Dokku's is_app_vhost_enabled: true unless the app's config says NO_VHOST=1. */
  async vhostEnabled(app: AppName): Promise<boolean> {
    return (await this.config.read(app)).get('NO_VHOST') !== '1';
  }

  /**
   * domains:disable / domains:enable: NO_VHOST in the app's config (written without a restart, as
   * Dokku's --no-restart); disabling also drops the app's VHOST file, so enabling again brings the
   * defaults back (an app without its own file follows the global domains).
   */
  async setVhostEnabled(app: AppName, enabled: boolean): Promise<void> {
    if (!enabled) await withLock(this.layout.appLock(app), () => fs.rm(this.layout.appVhostFile(app), { force: true }));
    await this.config.update(app, (env) => {
      const value = enabled ? '0' : '1';
      if (env.get('NO_VHOST') === value) return false;
      env.set('NO_VHOST', value);
      return true;
    });
  }

  /** Global domains; `localhost` when none were ever set. */
  async global(): Promise<string[]> {
    const text = await readFileOr(this.layout.globalVhostFile(), '\0');
    return text === '\0' ? [DEFAULT_GLOBAL_DOMAIN] : parseLines(text);
  }

  async setGlobal(domains: string[]): Promise<void> {
    await this.updateGlobal(() => domains);
  }

  /**
   * Read-modify-write of the global domains under their lock (the implicit `localhost` counts as
   * set until changed); an empty list leaves an empty file, so apps get no default domain.
   */
  async updateGlobal(mutate: (domains: string[]) => string[]): Promise<string[]> {
    return withLock(this.layout.lockFile('global-vhost'), async () => {
      const next = [...new Set(mutate(await this.global()))];
      await writeFileAtomic(this.layout.globalVhostFile(), next.map((d) => `${d}\n`).join(''), 0o644);
      return next;
    });
  }

  /**
   * The app's default vhosts (Dokku's get_default_vhosts), one per global domain but IP addresses: a
   * plugin's name (nginx-hostname) when one answers, else APP.DOMAIN, or APP itself when the app's
   * name holds a dot.
   */
  async defaults(app: AppName): Promise<string[]> {
    const names: string[] = [];
    for (const domain of await this.global()) {
      if (IPV4.test(domain) || domain.includes(':')) continue;
      const subdomain = app.endsWith(`.${domain}`) ? app.slice(0, -domain.length - 1) : app;
      // Each line of the answer is a name, as Dokku writes the answer into the VHOST file.
      const named = this.hostnameHook ? parseLines(await this.hostnameHook(app, subdomain, domain)).filter((n) => HOSTNAME.test(n)) : [];
      names.push(...(named.length ? named : [app.includes('.') ? app : `${app}.${domain}`]));
    }
    return [...new Set(names)];
  }

  /** domains:reset: drop the app's own hostnames, so it answers on the defaults again (and follows the global ones). */
  async resetApp(app: AppName): Promise<void> {
    await withLock(this.layout.appLock(app), () => fs.rm(this.layout.appVhostFile(app), { force: true }));
  }

  /** Hostnames the app answers on: none with vhosts disabled, its VHOST file, or the defaults when it has none. */
  async app(app: AppName): Promise<string[]> {
    if (!await this.vhostEnabled(app)) return [];
    const text = await readFileOr(this.layout.appVhostFile(app), '\0');
    return text === '\0' ? this.defaults(app) : parseLines(text);
  }

  /** Whether the app has a VHOST file of its own (without one it follows the global domains). */
  async hasOwnFile(app: AppName): Promise<boolean> {
    return (await readFileOr(this.layout.appVhostFile(app), '\0')) !== '\0';
  }

  /** After apps:rename: OLD.DOMAIN entries in the app's own VHOST file become NEW.DOMAIN. */
  async renameDefaults(from: AppName, to: AppName): Promise<void> {
    const file = this.layout.appVhostFile(to);
    const domains = await this.global();
    await withLock(this.layout.appLock(to), async () => {
      const text = await readFileOr(file, '\0');
      if (text === '\0') return;
      const renamed = parseLines(text).map((d) => {
        const i = domains.findIndex((g) => d === `${from}.${g}`);
        return i === -1 ? d : `${to}.${domains[i]}`;
      });
      await writeFileAtomic(file, renamed.map((d) => `${d}\n`).join(''), 0o644);
    });
  }

  /** Read-modify-write of the app's hostnames under its lock. */
  async updateApp(app: AppName, mutate: (domains: string[]) => string[]): Promise<string[]> {
    return withLock(this.layout.appLock(app), async () => {
      const next = [...new Set(mutate(await this.app(app)))];
      await writeFileAtomic(this.layout.appVhostFile(app), next.map((d) => `${d}\n`).join(''), 0o644);
      return next;
    });
  }
}
