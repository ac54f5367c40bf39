// Runs the compiled mocha suite with the settings in .mocharc.cjs (npm test builds first when stale).
// Extra arguments go to mocha: `npm test -- test/store/env-file.test.ts` (a source file name runs its compiled
// copy under dist/), `npm test -- --grep config`.
// `--unit` (npm run test:unit) runs only the pure unit tests listed in test/unit.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');

/** test/x/y.test.ts → dist/test/x/y.test.js; a listed file that does not exist is an error. */
function unitFiles() {
  const { files } = JSON.parse(fs.readFileSync(path.join(root, 'test', 'unit.json'), 'utf8'));
  return files.map((file) => {
    if (!fs.existsSync(path.join(root, file))) {
      process.stderr.write(`test/unit.json lists ${file}, which does not exist\n`);
      process.exit(2);
    }
    return path.join('dist', file.replace(/\.ts$/, '.js'));
  });
}

let args = process.argv.slice(2).map((arg) => (/^test\/.*\.ts$/.test(arg) ? path.join('dist', arg.replace(/\.ts$/, '.js')) : arg));
if (args.includes('--unit')) args = [...args.filter((a) => a !== '--unit'), ...unitFiles()];
const result = spawnSync(process.execPath, [mocha, ...args], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
