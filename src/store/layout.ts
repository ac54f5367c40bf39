// Where every piece of state lives, in Dokku's layout so plugins can read it directly.
// Paths are built only from parsed AppName values, so no path here can leave the data dir.
import path from 'node:path';
import type { Settings } from '../settings.js';
import type { AppName } from '../names.js';

export const GLOBAL = '--global';
export type Scope = AppName | typeof GLOBAL;

export class Layout {
  constructor(readonly settings: Settings) {}
  appDir(app: AppName): string { return path.join(this.settings.dokkuRoot, app); }
  envFile(scope: Scope): string {
    return scope === GLOBAL
      ? path.join(this.settings.libRoot, 'config', GLOBAL, 'ENV')
      : path.join(this.appDir(scope), 'ENV');
  }
  propertiesRoot(): string { return path.join(this.settings.libRoot, 'config'); }
  propertyDir(plugin: string, scope: Scope): string { return path.join(this.propertiesRoot(), plugin, scope); }
  lockFile(name: string): string { return path.join(this.settings.libRoot, 'locks', `${name}.lock`); }
  appLock(scope: Scope): string { return this.lockFile(scope === GLOBAL ? 'global' : `app-${scope}`); }
  deployLock(app: AppName): string { return this.lockFile(`deploy-${app}`); }
  /** Dokku's per-app data dir ($DOKKU_LIB_ROOT/data/apps/APP). */
  appDataDir(app: AppName): string { return path.join(this.settings.libRoot, 'data', 'apps', app); }
  /** HTTP-01 answers waiting for the ACME server: one file per token, read by both proxies. */
  acmeChallengeDir(app: AppName): string { return path.join(this.appDataDir(app), 'acme-challenges'); }
  /** What letsencrypt:enable last issued for the app (issued.json). */
  letsencryptDir(app: AppName): string { return path.join(this.appDataDir(app), 'letsencrypt'); }
  /** ACME account keys, one per (directory URL, email), shared by every app (as dokku-letsencrypt does). */
  letsencryptAccountsDir(): string { return path.join(this.settings.libRoot, 'data', 'letsencrypt', GLOBAL, 'accounts'); }
  /** apps:lock's marker, where Dokku keeps it: while it exists, deploys of the app are refused. */
  deployLockMarker(app: AppName): string { return path.join(this.appDataDir(app), '.deploy.lock'); }
  /** The keys allowed to log in, where Dokku's sshcommand keeps them (the dokku user's ~/.ssh). */
  authorizedKeysFile(): string { return path.join(this.dokkuSshDir(), 'authorized_keys'); }
  /** Where Slipway kept keys before (a JSON list); read once to seed authorized_keys, then removed. */
  legacyKeysFile(): string { return path.join(this.settings.keysDir, 'authorized_keys.json'); }
  hostKeyFile(): string { return path.join(this.settings.keysDir, 'ssh_host_ed25519_key'); }
  releasesDir(app: AppName): string { return path.join(this.settings.libRoot, 'data', 'releases', app); }
  /** Dokku's build records: one ID.json and one ID.log per deploy. */
  buildsDir(app: AppName): string { return path.join(this.settings.libRoot, 'data', 'builds', app); }
  logsDir(app: AppName): string { return path.join(this.settings.libRoot, 'data', 'logs', app); }
  releaseDir(app: AppName, version: number): string { return path.join(this.releasesDir(app), `v${version}`); }
  releasesIndex(app: AppName): string { return path.join(this.releasesDir(app), 'releases.json'); }
  /** Dokku's vhost files: the app's domains, and the global domain(s) apps default to. */
  appVhostFile(app: AppName): string { return path.join(this.appDir(app), 'VHOST'); }
  /** Dokku's certs layout: $DOKKU_ROOT/APP/tls/server.crt and server.key. */
  appTlsDir(app: AppName): string { return path.join(this.appDir(app), 'tls'); }
  /** Dokku's sourced settings folder, and its trace switch (trace:on writes it, trace:off removes it). */
  dokkurcDir(): string { return path.join(this.settings.dokkuRoot, '.dokkurc'); }
  traceFile(): string { return path.join(this.dokkurcDir(), 'DOKKU_TRACE'); }
  /** The dokku user's ~/.ssh on Dokku ($DOKKU_ROOT/.ssh): plugins keep deploy keys there (dokku-clone). */
  dokkuSshDir(): string { return path.join(this.settings.dokkuRoot, '.ssh'); }
  /** git:auth's credentials, where Dokku's netrc keeps them (the dokku user's ~/.netrc). */
  netrcFile(): string { return path.join(this.settings.dokkuRoot, '.netrc'); }
  /** Hosts git:allow-host trusts for git over SSH. */
  knownHostsFile(): string { return path.join(this.dokkuSshDir(), 'known_hosts'); }
  /** The server's own key for git over SSH (git:generate-deploy-key), and a Dokku host's older RSA one. */
  deployKeyFile(): string { return path.join(this.dokkuSshDir(), 'id_ed25519'); }
  rsaDeployKeyFile(): string { return path.join(this.dokkuSshDir(), 'id_rsa'); }
  globalVhostFile(): string { return path.join(this.settings.dokkuRoot, 'VHOST'); }
  /** Dokku's home for storage directories: storage:create and storage:ensure-directory make NAME here. */
  storageDir(): string { return path.join(this.settings.libRoot, 'data', 'storage'); }
  /** Dokku's registry of named storage entries: one NAME.json each. */
  storageEntriesDir(): string { return path.join(this.settings.libRoot, 'data', 'storage-registry', 'entries'); }
  /** The native builder's caches for one app (npm's); repo:purge-cache empties it, apps:destroy removes it. */
  buildCacheDir(app: AppName): string { return path.join(this.appDataDir(app), 'cache'); }
  /** What the process scheduler runs, per app (pid files, output files), so the next server adopts it. */
  processesRoot(): string { return path.join(this.settings.libRoot, 'data', 'processes'); }
  processesDir(app: AppName): string { return path.join(this.processesRoot(), app); }
  repoHooksDir(app: AppName): string { return path.join(this.appDir(app), 'hooks'); }
  gitTokensFile(): string { return path.join(this.settings.libRoot, 'data', 'git', 'tokens.json'); }
  /** The dashboard's one-time login tokens and sessions (hashes only). */
  dashboardDir(): string { return path.join(this.settings.libRoot, 'data', 'dashboard'); }
  pluginAvailable(): string { return path.join(this.settings.pluginPath, 'available'); }
  pluginEnabled(): string { return path.join(this.settings.pluginPath, 'enabled'); }
  /** Markers that switch a shipped (core) plugin off: one empty file per plugin name. */
  pluginDisabled(): string { return path.join(this.settings.pluginPath, 'disabled'); }
  eventsDir(): string { return path.join(this.settings.libRoot, 'events'); }
  eventsLog(): string { return path.join(this.eventsDir(), 'events.log'); }
}
