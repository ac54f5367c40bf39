// The one answer to "is this path inside that folder" (a lexical check on resolved paths; links
// are the caller's business, see safe-extract.ts): root itself counts as inside.
import path from 'node:path';

export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(candidate));
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
