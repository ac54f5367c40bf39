// Parses what a pre-receive hook reports (revs, ref names, push options) into checked values.
// Anything that starts with `-` or holds characters outside a small safe set is refused.
import { SlipwayError } from '../errors.js';
import { shown } from '../names.js';

export const MAX_UPDATES = 1000;
const REV = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const BRANCH = /^[A-Za-z0-9_][A-Za-z0-9._/+@-]*$/;
const PUSH_OPTION = /^[A-Za-z0-9_][A-Za-z0-9._,:@+=/-]*$/;

export class RefRefused extends SlipwayError {
  constructor(message: string) { super('E_REF_REFUSED', message, 1); }
}

export interface RefUpdate {
  oldRev: string;
  newRev: string;
  /** Full name, refs/heads/X or refs/tags/X. */
  ref: string;
  kind: 'branch' | 'tag';
  /** The name under refs/heads/ or refs/tags/. */
  name: string;
  deletion: boolean;
}

export function isZeroRev(rev: string): boolean {
  return /^0+$/.test(rev);
}

/** Branch (or tag) short names: git's ref rules, plus no leading `-` and a small charset. */
export function isValidBranchName(name: string): boolean {
  if (name.length === 0 || name.length > 200 || !BRANCH.test(name)) return false;
  if (name.includes('..') || name.includes('//') || name.includes('@{')) return false;
  if (name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock')) return false;
  return name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.startsWith('-') && !part.endsWith('.lock'));
}

export function parseBranchName(name: string): string {
  if (!isValidBranchName(name)) throw new RefRefused(`Invalid branch name '${shown(name)}'`);
  return name;
}

export function parseRefUpdate(oldRev: string, newRev: string, ref: string): RefUpdate {
  if (!REV.test(oldRev) || !REV.test(newRev)) throw new RefRefused(`Invalid revision for ref '${shown(ref)}'`);
  const match = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
  if (!match || !isValidBranchName(match[2])) {
    throw new RefRefused(`Refusing ref '${shown(ref)}': only refs/heads/NAME and refs/tags/NAME with plain names can be pushed`);
  }
  return { oldRev, newRev, ref, kind: match[1] === 'heads' ? 'branch' : 'tag', name: match[2], deletion: isZeroRev(newRev) };
}

export function parsePushOption(value: string): string {
  if (value.length > 256 || !PUSH_OPTION.test(value)) throw new RefRefused(`Refusing push option '${shown(value)}'`);
  return value;
}
