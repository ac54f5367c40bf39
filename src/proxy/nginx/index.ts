// Proxy type nginx: publishes an app by writing its nginx.conf, checking the whole configuration
// with `nginx -t`, and reloading. A refused configuration is taken back (the previous file is
// restored), nginx keeps serving what it had, and the caller gets nginx's message in one line.
import type { NginxFiles } from '../../store/nginx-files.js';
import type { AppName } from '../../names.js';
import { SlipwayError } from '../../errors.js';
import { renderSite, type SiteInput } from './render.js';
import { renderCustom, renderWrapper, type CustomTemplate } from './custom.js';
import { NginxServer, type NginxCheck } from './server.js';

export { NginxServer, oneLine } from './server.js';
export { renderSite, type SiteInput, type SiteMap, type SiteTarget, type NginxListen } from './render.js';
export { renderCustom, renderDokkuConf, templateVariables, templateDeprecations, http2Support, parseNginxVersion, certificateNames, type CustomTemplate } from './custom.js';
export { NGINX_PROPERTIES, computeValues, findProperty, refuseValue, type NginxValues } from './properties.js';

/** What one app's nginx.conf is built from: the site, and the templates that may replace Slipway's own. */
export type SiteSource = Omit<SiteInput, 'listen'> & {
  /** The app's own nginx.conf.sigil (from its last deploy). */
  custom?: CustomTemplate;
  /** A plugin's template (nginx-app-template-source app-config), used when the app has none of its own. */
  plugin?: CustomTemplate;
  /** The app's config, for the templates' env. */
  env?: Record<string, string>;
};

export class NginxProxy {
  constructor(readonly server: NginxServer, private readonly files: NginxFiles) {}

  /**
   * Writes, checks and serves the app's configuration; on refusal the previous one stays, and this
   * throws. `site` is read inside the queue: two changes at once (a restore and an nginx:set) never
   * let the one that read the older properties write last.
   */
  apply(app: AppName, site: () => Promise<SiteSource>, options: { beforeReload?: () => Promise<void>; say?: (line: string) => void } = {}): Promise<void> {
    return this.server.serial(async () => {
      const previous = await this.files.readAppConfig(app);
      const { custom, plugin, env, ...input } = await site();
      const full = { ...input, listen: this.server.listen };
      // A template only while the app has web listeners (a stopped app, or a static site that nginx
      // serves itself, gets Slipway's own): the app's nginx.conf.sigil unless disable-custom-config,
      // else a plugin's (nginx-app-template-source), as Dokku's app-supplied one overrides the plugin's.
      const listening = input.target.kind === 'upstreams' && input.target.upstreams.length > 0;
      const own = custom && input.values['disable-custom-config'] !== 'true' ? custom : undefined;
      const template = listening ? own ?? plugin : undefined;
      // Dokku's line for each of the app's names when a plugin's template builds the file.
      if (template && template === plugin && options.say) {
        for (const name of [...new Set(input.hostnames)].sort()) options.say(`Configuring ${name}...(using plugin-supplied template)`);
      }
      const text = template ? renderCustom({ ...full, nginxVersion: await this.server.version() }, template, this.files.libRoot(), env ?? {}) : renderSite(full);
      await this.files.writeAppConfig(app, text);
      const takeBack = async () => {
        if (previous === undefined) await this.files.removeAppConfig(app);
        else await this.files.writeAppConfig(app, previous);
      };
      // Dokku's nginx-pre-reload: the new file is in place, not yet checked or served.
      if (options.beforeReload) {
        try {
          await options.beforeReload();
        } catch (error) {
          await takeBack();
          throw error;
        }
      }
      const check = await this.server.test();
      if (!check.ok) {
        await takeBack();
        throw new SlipwayError('E_NGINX_INVALID', `nginx refused the configuration of ${app}: ${check.message}`, 1);
      }
      await this.server.apply();
    });
  }

  /**
   * Dokku's pre-validation of an app's own template before the build: rendered (with a stand-in web
   * listener) and checked alone with `nginx -t`, inside `wrapper` when a plugin supplies one
   * (validate-config); a refusal throws E_NGINX_INVALID with nginx's line.
   */
  async prevalidate(site: Omit<SiteInput, 'listen'>, custom: CustomTemplate, env: Record<string, string>, wrapper?: CustomTemplate): Promise<void> {
    const full = { ...site, listen: this.server.listen, nginxVersion: await this.server.version() };
    const check = await this.server.testAlone(renderCustom(full, custom, this.files.libRoot(), env), wrapper && ((conf) => renderWrapper(wrapper, conf, site.app)));
    if (!check.ok) throw new SlipwayError('E_NGINX_INVALID', `${custom.name} of ${site.app} failed nginx -t validation: ${check.message}`, 1);
  }

  /**
   * nginx:validate-config of one app: its nginx.conf on disk checked alone with `nginx -t`, inside
   * `wrapper` when a plugin supplies one (validate-config). Undefined when the app has no nginx.conf.
   */
  async checkApp(app: AppName, wrapper?: CustomTemplate): Promise<{ text: string; check: NginxCheck } | undefined> {
    const text = await this.files.readAppConfig(app);
    if (text === undefined) return undefined;
    return { text, check: await this.server.testAlone(text, wrapper && ((conf) => renderWrapper(wrapper, conf, app))) };
  }

  /** nginx:validate-config --clean: the app's invalid nginx.conf goes, nothing reloads (as in Dokku). */
  removeConfig(app: AppName): Promise<boolean> {
    return this.server.serial(() => this.files.removeAppConfig(app));
  }

  /** Stops serving the app through nginx (its nginx.conf goes; nginx reloads if it runs). */
  remove(app: AppName): Promise<void> {
    return this.server.serial(async () => {
      if (!(await this.files.removeAppConfig(app))) return;
      if ((await this.server.masterPid()) !== undefined) await this.server.checkAndApply();
    });
  }

  /** Checks the configuration on disk and reloads (plugins changed a fragment: restart_nginx). */
  reload(): Promise<void> {
    return this.server.serial(async () => {
      const check = await this.server.test();
      if (!check.ok) throw new SlipwayError('E_NGINX_INVALID', `nginx refused the configuration: ${check.message}`, 1);
      await this.server.apply();
    });
  }

  stop(): Promise<void> {
    return this.server.serial(() => this.server.stop());
  }
}
