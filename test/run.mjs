// Runs the compiled mocha suite (npm test builds first) with the summary reporter.
// Extra arguments are passed to mocha, e.g. `npm test -- --grep config`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const args = [
  mocha,
  '--reporter', path.join(root, 'test', 'reporter.cjs'),
  '--forbid-only',
  '--timeout', '60000',
  '--recursive',
  ...(process.argv.length > 2 ? process.argv.slice(2) : ['dist/test/**/*.test.js']),
];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
