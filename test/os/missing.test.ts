// A missing path is a value; every other file-system failure still reaches the caller.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isMissing, unlessMissing } from '../../src/os/missing.js';

const failure = (code: string) => Object.assign(new Error(code), { code });

describe('missing files', () => {
  it('answers the fallback for a path that does not exist, or runs through a file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-missing-'));
    try {
      await fs.writeFile(path.join(dir, 'file'), 'x');
      assert.equal(await unlessMissing(fs.stat(path.join(dir, 'nope')), undefined), undefined);
      assert.deepEqual(await unlessMissing(fs.readdir(path.join(dir, 'file', 'below')), [] as string[]), []);
      assert.equal(await unlessMissing(fs.readFile(path.join(dir, 'file'), 'utf8'), ''), 'x');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('passes EACCES, EIO and errors without a code through', async () => {
    for (const error of [failure('EACCES'), failure('EIO'), new Error('plain')]) {
      assert.equal(isMissing(error), false);
      await assert.rejects(unlessMissing(Promise.reject(error), undefined), (e) => e === error);
    }
    assert.equal(isMissing(failure('ENOENT')), true);
    assert.equal(isMissing(undefined), false);
  });
});
