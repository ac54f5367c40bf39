// Typed values parsed at the edge: app names and config keys are checked once, then trusted.
// The rules are Dokku's; anything else is refused before a path or a process is touched.
import { AppRequired, SlipwayError } from './errors.js';

declare const appNameBrand: unique symbol;
declare const configKeyBrand: unique symbol;
export type AppName = string & { readonly [appNameBrand]: true };
export type ConfigKey = string & { readonly [configKeyBrand]: true };

const APP_NAME = /^[a-z0-9][a-z0-9.-]*$/;
const CONFIG_KEY = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const APP_NAME_MAX = 63;

/** A printable, single-line, bounded rendering of untrusted input for error messages. */
export function shown(value: string, max = 60): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export function isValidAppName(value: string): value is AppName {
  return value.length <= APP_NAME_MAX && APP_NAME.test(value) && !value.includes('..') && !value.endsWith('.');
}

export function parseAppName(value: string | undefined): AppName {
  if (value === undefined || value === '') throw new AppRequired();
  if (!APP_NAME.test(value)) {
    // Dokku's wording for its own rule.
    throw new SlipwayError('E_INVALID_APP_NAME', 'App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens', 1);
  }
  if (!isValidAppName(value)) {
    // Stricter than Dokku (it would make a path or a hostname that does not work): say why.
    throw new SlipwayError('E_INVALID_APP_NAME', `App name '${shown(value)}' is invalid: at most ${APP_NAME_MAX} characters, no '..' and no trailing '.'`, 1);
  }
  return value;
}

export function isValidConfigKey(value: string): value is ConfigKey {
  return CONFIG_KEY.test(value);
}

export function parseConfigKey(value: string): ConfigKey {
  if (!isValidConfigKey(value)) {
    throw new SlipwayError('E_INVALID_CONFIG_KEY', `Invalid key name: '${shown(value)}'`, 1);
  }
  return value;
}

/**
 * A file's path inside an app's tree as ps:set procfile-path and app-json:set appjson-path take it:
 * relative (leading and trailing slashes are trimmed, as Dokku trims them), no `.` or `..` parts,
 * no backslash or control characters.
 */
export function isTreePath(value: string): boolean {
  const trimmed = value.replace(/^\/+|\/+$/g, '');
  return trimmed !== '' && trimmed.length <= 255 && !/[\x00-\x1f\x7f\\]/.test(trimmed)
    && trimmed.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}
