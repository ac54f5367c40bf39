// Which proxy serves an app, where Dokku's proxy plugin keeps it: property `type` (app, then
// `--global`; `builtin` when neither is set) and `disabled` at $DOKKU_LIB_ROOT/config/proxy/APP/.
import type { PropertyStore } from './properties.js';
import type { AppName } from '../names.js';
import { GLOBAL } from './layout.js';

/** The proxies Slipway runs: its own (the embedded default) and nginx (Dokku's). */
export const PROXY_TYPES = ['builtin', 'nginx'] as const;
export type ProxyType = (typeof PROXY_TYPES)[number];
export const DEFAULT_PROXY_TYPE: ProxyType = 'builtin';

export interface ProxySelection {
  type: ProxyType;
  enabled: boolean;
}

export function isProxyType(value: string): value is ProxyType {
  return (PROXY_TYPES as readonly string[]).includes(value);
}

export class ProxySelectionStore {
  constructor(private readonly properties: PropertyStore) {}

  async appType(app: AppName): Promise<string> {
    return (await this.properties.get('proxy', app, 'type'))?.trim() ?? '';
  }

  async globalType(): Promise<string> {
    return (await this.properties.get('proxy', GLOBAL, 'type'))?.trim() ?? '';
  }

  /** The app's own type, else the global one, else builtin; a value Slipway does not run counts as builtin. */
  async computedType(app: AppName): Promise<ProxyType> {
    const value = (await this.appType(app)) || (await this.globalType());
    return isProxyType(value) ? value : DEFAULT_PROXY_TYPE;
  }

  async enabled(app: AppName): Promise<boolean> {
    return (await this.properties.get('proxy', app, 'disabled'))?.trim() !== 'true';
  }

  async get(app: AppName): Promise<ProxySelection> {
    return { type: await this.computedType(app), enabled: await this.enabled(app) };
  }

  async setEnabled(app: AppName, enabled: boolean): Promise<void> {
    if (enabled) await this.properties.delete('proxy', app, 'disabled');
    else await this.properties.set('proxy', app, 'disabled', 'true');
  }
}
