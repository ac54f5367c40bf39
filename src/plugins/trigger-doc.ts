// The README's trigger catalogue, rendered from the trigger table so the two cannot drift
// (test/plugins/trigger-table.test.ts compares them; scripts/trigger-table.mjs rewrites the README).
import { NOT_APPLICABLE, TRIGGERS, type TriggerSpec } from './trigger-table.js';

export const README_START = '<!-- trigger-table: generated from src/plugins/trigger-table.ts by scripts/trigger-table.mjs -->';
export const README_END = '<!-- trigger-table: end -->';

const STATUS: Record<TriggerSpec['status'], string> = { fired: 'fired', core: 'answered by core', 'n/a': 'not applicable' };
const CWD: Record<string, string> = { root: '`$DOKKU_ROOT`', source: 'source dir', plugin: 'plugin dir' };

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The Markdown block between README_START and README_END: one row per trigger, then why not. */
export function renderTriggerTable(): string {
  const rows = Object.entries(TRIGGERS as Record<string, TriggerSpec>).map(([name, spec]) => {
    const args = spec.args.length ? `\`${spec.args.join(' ')}\`` : '—';
    const note = spec.status === 'n/a' ? `see *${spec.note}* below` : spec.note;
    const cwd = spec.cwd ? CWD[spec.cwd] : '';
    return `| \`${name}\` | ${STATUS[spec.status]} | ${cell(args)} | ${cwd} | ${cell(note)} |`;
  });
  const why = Object.entries(NOT_APPLICABLE).map(([key, text]) => `- *${key}*: ${text}.`);
  return [
    README_START,
    '| trigger | Slipway | arguments (Dokku\'s order) | cwd | when it fires / what answers / why not |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'Not applicable, and why:',
    '',
    ...why,
    README_END,
  ].join('\n');
}

/** `text` with its generated block replaced by a fresh one; throws when the markers are missing. */
export function withTriggerTable(text: string): string {
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start === -1 || end < start) throw new Error('README.md has no trigger-table markers');
  return text.slice(0, start) + renderTriggerTable() + text.slice(end + README_END.length);
}
