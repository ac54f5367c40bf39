// Typed values parsed at the edge: app names and config keys are checked once, then trusted.
// The rules are Dokku's; anything else is refused before a path or a process is touched.
import { SlipwayError } from './errors.js';

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
  if (value === undefined || value === '') {
    throw new SlipwayError('E_APP_REQUIRED', 'Please specify an app to run the command on', 1);
  }
  if (!isValidAppName(value)) {
    throw new SlipwayError(
      'E_INVALID_APP_NAME',
      `App name '${shown(value)}' is invalid: use lowercase letters, digits, '.' and '-', starting with a letter or digit (at most ${APP_NAME_MAX} characters)`,
      1,
    );
  }
  return value;
}

export function isValidConfigKey(value: string): value is ConfigKey {
  return CONFIG_KEY.test(value);
}

export function parseConfigKey(value: string): ConfigKey {
  if (!isValidConfigKey(value)) {
    throw new SlipwayError('E_INVALID_CONFIG_KEY', `Invalid config key '${shown(value)}': keys must match [a-zA-Z_][a-zA-Z0-9_]*`, 1);
  }
  return value;
}
