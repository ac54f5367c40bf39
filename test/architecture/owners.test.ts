// One owner per outside system (issue 11): child processes are started only in src/os/ (the one
// runner, src/os/spawn.ts), dockerode is imported only in src/docker/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/settings.js';
import { specifiers } from './import-cycles.test.js';

const srcRoot = path.join(packageRoot, 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The folders (relative to src/) of the modules importing any of `modules`. */
function importersOf(modules: string[]): string[] {
  return sourceFiles(srcRoot)
    .filter((file) => specifiers(fs.readFileSync(file, 'utf8')).some((spec) => modules.includes(spec)))
    .map((file) => path.relative(srcRoot, file))
    .sort();
}

describe('one owner per outside system', () => {
  it('only src/os/ starts child processes (node:child_process, execa)', () => {
    const outside = importersOf(['node:child_process', 'child_process', 'execa']).filter((file) => !file.startsWith('os/'));
    assert.deepEqual(outside, []);
  });

  it('only src/docker/ imports dockerode', () => {
    const outside = importersOf(['dockerode']).filter((file) => !file.startsWith('docker/'));
    assert.deepEqual(outside, []);
  });
});
