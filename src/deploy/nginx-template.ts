// An app's own nginx.conf.sigil (Dokku's custom nginx template): read from the pushed tree at each
// deploy (nginx-vhosts' nginx-conf-sigil-path, default nginx.conf.sigil), refused before the build
// when it does not parse, and kept for the nginx config once the release goes live. Also the
// templates plugins supply through Dokku's nginx-app-template-source trigger.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '../store/index.js';
import type { AppName } from '../names.js';
import { SlipwayError } from '../errors.js';
import { isInside } from '../os/inside.js';
import { checkTemplate, SigilError } from '../sigil/index.js';

export const DEFAULT_TEMPLATE_PATH = 'nginx.conf.sigil';

export async function templatePath(store: Store, app: AppName): Promise<string> {
  return (await store.properties.effective('nginx', app, 'nginx-conf-sigil-path')) || DEFAULT_TEMPLATE_PATH;
}

/**
 * The template in the extracted tree, or undefined when there is none. Only a regular file inside
 * the tree counts: a link out of it (to a server file) is not read.
 */
export async function readNginxTemplate(store: Store, app: AppName, dir: string): Promise<string | undefined> {
  const relative = await templatePath(store, app);
  const file = path.join(dir, relative);
  if (!isInside(dir, file)) return undefined;
  let text: string;
  try {
    const stat = await fs.lstat(file);
    if (!stat.isFile()) return undefined;
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
  const name = path.basename(relative);
  try {
    checkTemplate(text, name);
  } catch (error) {
    if (error instanceof SigilError) throw new SlipwayError('E_NGINX_INVALID', `${name} of ${app} did not render: ${error.message}`, 1, { cause: error });
    throw error;
  }
  return text;
}

/** Keeps the deploy's template (or none) for the nginx config; the returned step puts the previous one back. */
export async function recordNginxTemplate(store: Store, app: AppName, text: string | undefined): Promise<() => Promise<void>> {
  const previous = await store.nginx.readCustomTemplate(app);
  await store.nginx.writeCustomTemplate(app, text);
  return () => store.nginx.writeCustomTemplate(app, previous);
}

/** The template types Dokku asks nginx-app-template-source for that Slipway uses (not hsts-config: HSTS is in the app's config). */
export type NginxTemplateType = 'app-config' | 'validate-config';

/** Dokku's nginx triggers around an app's nginx.conf, fired through the plugin host (platform.ts wires them). */
export interface NginxTriggers {
  /** nginx-app-template-source APP TYPE: the path of a sigil template a plugin supplies, or '' for none. */
  templateSource(app: AppName, type: NginxTemplateType): Promise<string>;
  /** nginx-pre-reload APP '' '': the app's new nginx.conf is written, not yet checked or served. */
  preReload(app: AppName): Promise<void>;
}

/**
 * The template at the path a plugin answered (as Dokku hands that path to sigil -f): read and
 * parsed now, so a missing file or a broken template fails this build of the config with one line.
 */
export async function readPluginTemplate(app: AppName, type: NginxTemplateType, file: string): Promise<{ text: string; name: string }> {
  const name = path.basename(file);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new SlipwayError('E_NGINX_INVALID', `nginx-app-template-source gave ${file} as the ${type} template of ${app}, which cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 1, { cause: error });
  }
  try {
    checkTemplate(text, name);
  } catch (error) {
    if (error instanceof SigilError) throw new SlipwayError('E_NGINX_INVALID', `${name} of ${app} did not render: ${error.message}`, 1, { cause: error });
    throw error;
  }
  return { text, name };
}
