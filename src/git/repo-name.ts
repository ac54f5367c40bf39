// Turns the repo argument of a git verb (`'myapp'`, `/myapp.git`, an HTTP path segment) into
// an AppName before anything touches disk: one leading `/` and one `.git` suffix, nothing else.
import { parseAppName, type AppName } from '../names.js';

export function parseRepoArg(raw: string | undefined): AppName {
  let name = raw ?? '';
  if (name.startsWith('/')) name = name.slice(1);
  if (name.endsWith('.git')) name = name.slice(0, -'.git'.length);
  // parseAppName refuses '/', '..', a leading '-' or '.', upper case, spaces and NULs.
  return parseAppName(name);
}
