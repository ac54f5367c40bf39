// sshcommand's authorized_keys format, read and written: one key per line behind a
// command="FINGERPRINT=… NAME=\"…\" `cat …/.sshcommand` $SSH_ORIGINAL_COMMAND",OPTIONS prefix.
// Pure text in and out; a line that is not exactly one trustworthy key comes back as a problem.
import { createHash } from 'node:crypto';
import { ACCEPTED_KEY_TYPES, KEY_NAME, MIN_RSA_BITS, checkPublicKey, type KeyProblem } from '../key-rules.js';

export { sha256Fingerprint } from '../key-rules.js';

/** The options sshcommand puts after command= (its SSHCOMMAND_ALLOWED_KEYS default). */
export const SSHCOMMAND_OPTIONS = 'no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding';
/**
 * Slipway's one addition, for keys added without admin rights. An environment= option is valid
 * OpenSSH syntax that sshd ignores unless PermitUserEnvironment is on, and sshcommand's list shows
 * it inside SSHCOMMAND_ALLOWED_KEYS, so Dokku's tools read such a line unchanged.
 */
export const NOT_ADMIN_OPTION = 'environment="SLIPWAY_KEY_ADMIN=false"';

/** Options that only take rights away that Slipway's server never grants (no forwarding, no pty, no rc). */
const HARMLESS_OPTIONS = new Set(['no-agent-forwarding', 'no-user-rc', 'no-x11-forwarding', 'no-port-forwarding', 'no-pty', 'restrict']);

export interface AuthorizedKey {
  name: string;
  /** SHA256:… of the key blob, whatever fingerprint form the line itself carries. */
  fingerprint: string;
  /** The key's algorithm name, e.g. ssh-ed25519. */
  type: string;
  /** Base64 of the public key blob. */
  data: string;
  /** The comment after the key, kept as it was written. */
  comment: string;
  admin: boolean;
  /** The options after command= as written (Dokku lists them as SSHCOMMAND_ALLOWED_KEYS). */
  options: string;
}

/** A key read from the file: its line number and text, so an unchanged key is written back byte for byte. */
export interface FileKey extends AuthorizedKey {
  line: number;
  raw: string;
}

export interface KeyLineProblem { line: number; reason: string }

export interface ParsedKeyFile {
  keys: FileKey[];
  problems: KeyLineProblem[];
  /** Every line of the file (without its newline), broken and comment lines included. */
  lines: string[];
}

function md5Fingerprint(blob: Buffer): string {
  return createHash('md5').update(blob).digest('hex').replace(/(..)(?!$)/g, '$1:');
}

/** Splits at `sep` outside double quotes (a backslash escapes a quote inside them), as sshd does. */
function splitUnquoted(text: string, sep: string, limit = Infinity): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length && parts.length < limit - 1; i++) {
    const c = text[i];
    if (c === '\\' && quoted && text[i + 1] === '"') { i++; continue; }
    if (c === '"') quoted = !quoted;
    else if (c === sep && !quoted) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts;
}

class LineError extends Error {}

const LINE_PROBLEMS: Record<KeyProblem, (type: string) => string> = {
  dsa: () => 'DSA keys are not accepted',
  'unknown-type': (type) => `unknown key type ${JSON.stringify(type.slice(0, 40))}`,
  'not-base64': () => 'the key is not valid base64',
  'not-a-key': () => 'not a valid public key',
  'short-rsa': () => `RSA keys must have at least ${MIN_RSA_BITS} bits`,
};

interface Option { name: string; value?: string }

function parseOptions(text: string): Option[] {
  return splitUnquoted(text, ',').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) return { name: part.toLowerCase() };
    const value = part.slice(eq + 1);
    if (!/^"(?:[^"\\]|\\.)*"$/.test(value)) throw new LineError(`option ${part.slice(0, eq)} has a badly quoted value`);
    return { name: part.slice(0, eq).toLowerCase(), value: value.slice(1, -1).replace(/\\"/g, '"') };
  });
}

/** The command sshcommand writes; the part after NAME (its `cat …/.sshcommand` call) is never run here. */
const COMMAND = /^FINGERPRINT=(\S+) NAME=(?:"([^"]*)"|([^\s"]+)) \S/;

function parseKeyLine(text: string): AuthorizedKey {
  const first = text.split(/\s+/)[0];
  if (ACCEPTED_KEY_TYPES.has(first) || first === 'ssh-dss') {
    throw new LineError('a bare key without sshcommand\'s command="FINGERPRINT=… NAME=…" prefix');
  }
  const [optionText, rest] = splitUnquoted(text, ' ', 2);
  if (rest === undefined) throw new LineError('no key after the options');
  let command: string | undefined;
  let admin = true;
  const kept: string[] = [];
  for (const option of parseOptions(optionText)) {
    if (option.name === 'command') {
      if (command !== undefined) throw new LineError('two command= options');
      command = option.value;
    } else if (option.name === 'environment' && option.value?.startsWith('SLIPWAY_KEY_ADMIN=')) {
      const value = option.value.slice('SLIPWAY_KEY_ADMIN='.length);
      if (value !== 'true' && value !== 'false') throw new LineError('SLIPWAY_KEY_ADMIN must be true or false');
      admin = value === 'true';
    } else if (!HARMLESS_OPTIONS.has(option.name) && option.name !== 'environment') {
      // from=, expiry-time=, principals=, cert-authority…: limits Slipway would not enforce.
      throw new LineError(`option ${option.name} is not supported by Slipway`);
    }
    if (option.name !== 'command') kept.push(option.value === undefined ? option.name : `${option.name}="${option.value.replace(/"/g, '\\"')}"`);
  }
  if (command === undefined) throw new LineError('no command="FINGERPRINT=… NAME=…" option');
  const match = COMMAND.exec(command);
  if (!match) throw new LineError('its command= is not sshcommand\'s FINGERPRINT=… NAME=… form');
  const claimed = match[1];
  const name = match[2] ?? match[3];
  if (!KEY_NAME.test(name)) throw new LineError(`NAME ${JSON.stringify(name.slice(0, 70))} is not a valid key name`);
  const [type, data, ...comment] = rest.trim().split(/\s+/);
  const checked = checkPublicKey(type, data);
  if (typeof checked === 'string') throw new LineError(LINE_PROBLEMS[checked](type));
  const { blob, fingerprint } = checked;
  // Old sshcommand wrote MD5 fingerprints (aa:bb:…); either form must name this very key.
  const md5 = claimed.replace(/^MD5:/, '');
  if (claimed !== fingerprint && md5 !== md5Fingerprint(blob)) throw new LineError('its FINGERPRINT does not match the key');
  return { name, fingerprint, type, data: blob.toString('base64'), comment: comment.join(' '), admin, options: kept.join(',') };
}

/** Reads a whole file; a broken, refused or repeated line becomes a problem and never a key. */
export function parseKeyFile(text: string): ParsedKeyFile {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const keys: FileKey[] = [];
  const problems: KeyLineProblem[] = [];
  lines.forEach((raw, index) => {
    const line = index + 1;
    const text = raw.trim();
    if (!text || text.startsWith('#')) return;
    try {
      const key = parseKeyLine(text);
      const twin = keys.find((k) => k.fingerprint === key.fingerprint || k.name === key.name);
      if (twin) {
        const what = twin.fingerprint === key.fingerprint ? 'key' : `NAME "${key.name}"`;
        problems.push({ line, reason: `repeats the ${what} of line ${twin.line}` });
        return;
      }
      keys.push({ ...key, line, raw });
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      problems.push({ line, reason: error.message });
    }
  });
  return { keys, problems, lines };
}

/** One line as sshcommand's acl-add writes it (plus the not-admin marker), for `cat ROOT/.sshcommand`. */
export function formatKeyLine(key: Omit<AuthorizedKey, 'options'>, dokkuRoot: string): string {
  const command = `FINGERPRINT=${key.fingerprint} NAME=\\"${key.name}\\" \`cat ${dokkuRoot}/.sshcommand\` $SSH_ORIGINAL_COMMAND`;
  const options = key.admin ? SSHCOMMAND_OPTIONS : `${SSHCOMMAND_OPTIONS},${NOT_ADMIN_OPTION}`;
  return `command="${command}",${options} ${key.type} ${key.data}${key.comment ? ` ${key.comment}` : ''}`;
}
