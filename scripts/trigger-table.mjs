// Rewrites the trigger catalogue in README.md from the compiled trigger table (run `npx tsc -p
// tsconfig.json` first): `node scripts/trigger-table.mjs`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { withTriggerTable } = await import(path.join(root, 'dist', 'src', 'plugins', 'trigger-doc.js'));
const file = path.join(root, 'README.md');
fs.writeFileSync(file, withTriggerTable(fs.readFileSync(file, 'utf8')));
