// Aligns help columns: plugins print `name <args>, Description` and the host pads the
// first column so every description starts at the same place.
import type { HelpLine } from './types.js';

export function alignHelp(lines: HelpLine[], indent = '    '): string {
  if (lines.length === 0) return '';
  const width = Math.max(...lines.map((l) => l.usage.length)) + 2;
  return lines.map((l) => `${indent}${l.usage.padEnd(width)}${l.description}`.trimEnd() + '\n').join('');
}

export function byUsage(a: HelpLine, b: HelpLine): number {
  return a.usage < b.usage ? -1 : a.usage > b.usage ? 1 : 0;
}
