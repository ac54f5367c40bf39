// The one owner of the data dir: every read and write of state goes through a Store.
// Commands, plugins and the deploy pipeline ask it; none of them touch the files directly.
import type { Settings } from '../settings.js';
import { Layout } from './layout.js';
import { ConfigStore } from './config-store.js';
import { PropertyStore } from './properties.js';
import { AppStore } from './app-store.js';
import { KeyStore } from './key-store.js';

export { GLOBAL, type Scope, Layout } from './layout.js';
export type { EnvMap } from './env-file.js';
export { type StoredKey, ensureHostKey } from './key-store.js';

export class Store {
  readonly layout: Layout;
  readonly config: ConfigStore;
  readonly properties: PropertyStore;
  readonly apps: AppStore;
  readonly keys: KeyStore;

  constructor(readonly settings: Settings) {
    this.layout = new Layout(settings);
    this.config = new ConfigStore(this.layout);
    this.properties = new PropertyStore(this.layout);
    this.apps = new AppStore(this.layout, this.properties);
    this.keys = new KeyStore(this.layout);
  }
}
