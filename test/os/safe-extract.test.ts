// The one safe tar extraction (src/os/safe-extract.ts), used for pushed trees and plugin archives:
// chains of symlinks, NUL bytes, duplicates, oversize and every other escape are refused, and
// nothing is ever written outside the target folder.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { extractTarSafely, type ExtractOptions, type Refusal } from '../../src/os/safe-extract.js';

interface Entry { name: string; type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo'; text?: string; linkname?: string; mode?: number; pax?: Record<string, string> }

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => { chunks.push(chunk as Buffer); });
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header = { name: entry.name, type, mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644), linkname: entry.linkname, pax: entry.pax };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') pack.entry(header, entry.text ?? '', (error) => (error ? reject(error) : resolve()));
      else pack.entry(header, (error) => (error ? reject(error) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

class Refused extends Error {
  constructor(readonly refusal: Refusal) { super(`${refusal.kind} ${'entry' in refusal ? refusal.entry : refusal.limit}`); }
}

describe('os/safe-extract', () => {
  let base: string;
  let dest: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-extract-'));
    dest = path.join(base, 'root', 'dest');
    fs.mkdirSync(dest, { recursive: true });
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  const options = (extra: Partial<ExtractOptions> = {}): ExtractOptions => ({
    maxEntries: 100, maxBytes: 1024 * 1024, refused: (refusal) => new Refused(refusal), ...extra,
  });
  const extract = async (entries: Entry[], extra: Partial<ExtractOptions> = {}) => extractTarSafely(Readable.from([await tarOf(entries)]), dest, options(extra));
  /** The refusal, and a check that nothing was written next to dest. */
  async function refusal(entries: Entry[], extra: Partial<ExtractOptions> = {}): Promise<string> {
    const error = await extract(entries, extra).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof Refused, `expected a refusal, got ${String(error)}`);
    assert.deepEqual(fs.readdirSync(path.dirname(dest)), ['dest'], 'nothing written outside dest');
    assert.deepEqual(fs.readdirSync(base), ['root']);
    return error.message;
  }

  it('unpacks files, folders, modes and links that stay inside (also through other links)', async () => {
    await extract([
      { name: 'src/', type: 'directory' },
      { name: 'src/main.sh', text: 'echo hi\n', mode: 0o775 },
      { name: 'README', text: 'hello' },
      { name: 'lib', type: 'symlink', linkname: 'src' },
      { name: 'src/readme', type: 'symlink', linkname: '../lib/../README' },
    ]);
    assert.equal(fs.readFileSync(path.join(dest, 'src', 'readme'), 'utf8'), 'hello');
    assert.equal(fs.statSync(path.join(dest, 'src', 'main.sh')).mode & 0o777, 0o755);
  });

  it('refuses a chain of symlinks that leaves the folder, though each link alone stays inside', async () => {
    assert.equal(await refusal([
      { name: 'a/b', type: 'symlink', linkname: '..' },
      { name: 'up', type: 'symlink', linkname: 'a/b/..' },
    ]), 'tree-link-leaves up');
  });

  it('refuses a longer chain, whatever the order of its links in the archive', async () => {
    assert.equal(await refusal([
      { name: 'x', type: 'symlink', linkname: 'd2/../etc/passwd' },
      { name: 'd2', type: 'symlink', linkname: 'd1/d1/d1' },
      { name: 'd1', type: 'symlink', linkname: '.' },
    ]), 'tree-link-leaves x');
  });

  it('refuses a chain that leaves even when its last step leads to nothing (allowDangling or not)', async () => {
    const entries: Entry[] = [{ name: 's', type: 'symlink', linkname: '.' }, { name: 'z', type: 'symlink', linkname: 's/../no-such-file' }];
    assert.equal(await refusal(entries, { allowDangling: true }), 'tree-link-leaves z');
  });

  it('links to nothing and loops: refused by default, kept with allowDangling', async () => {
    const loop: Entry[] = [{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' }];
    assert.equal(await refusal(loop), 'tree-link-dangling a');
    fs.rmSync(dest, { recursive: true });
    fs.mkdirSync(dest);
    await extract([...loop, { name: 'later', type: 'symlink', linkname: 'build/out.js' }], { allowDangling: true });
    assert.equal(fs.readlinkSync(path.join(dest, 'later')), 'build/out.js');
  });

  it('refuses a NUL byte in a name or a link target (a pax header carries them, NUL and all)', async () => {
    assert.equal(await refusal([{ name: 'plain', pax: { path: 'safe\0/../../escape' }, text: 'x' }]), 'nul safe\0/../../escape');
    fs.rmSync(dest, { recursive: true }); fs.mkdirSync(dest);
    assert.equal(await refusal([{ name: 'l', type: 'symlink', linkname: 'x', pax: { linkpath: 'ok\0/../../..' } }]), 'nul l');
  });

  it('refuses duplicates: a file twice, a link over a file, a file over a link', async () => {
    assert.equal(await refusal([{ name: 'f', text: '1' }, { name: './f', text: '2' }]), 'duplicate ./f');
    fs.rmSync(dest, { recursive: true }); fs.mkdirSync(dest);
    assert.equal(await refusal([{ name: 'f', text: '1' }, { name: 'f', type: 'symlink', linkname: 'g' }]), 'duplicate f');
    fs.rmSync(dest, { recursive: true }); fs.mkdirSync(dest);
    // Writing a file where a link to outside sits would write outside: 'wx' never follows it.
    assert.equal(await refusal([{ name: 'l', type: 'symlink', linkname: 'sub/x' }, { name: 'l', text: 'over' }]), 'duplicate l');
  });

  it('refuses oversize archives: too many entries, too many bytes', async () => {
    assert.equal(await refusal([{ name: 'a' }, { name: 'b' }, { name: 'c' }], { maxEntries: 2 }), 'entries 2');
    fs.rmSync(dest, { recursive: true }); fs.mkdirSync(dest);
    assert.equal(await refusal([{ name: 'a', text: 'x'.repeat(600) }, { name: 'b', text: 'y'.repeat(600) }], { maxBytes: 1000 }), 'bytes 1000');
  });

  it('refuses absolute paths, .., writes through a link or a file, links that leave, special files', async () => {
    const cases: Array<[Entry[], string]> = [
      [[{ name: '/tmp/slipway-abs', text: 'x' }], 'absolute /tmp/slipway-abs'],
      [[{ name: 'a/../../escape', text: 'x' }], 'dotdot a/../../escape'],
      [[{ name: 'sub/', type: 'directory' }, { name: 'here', type: 'symlink', linkname: 'sub' }, { name: 'here/file', text: 'x' }], 'through-symlink here/file'],
      [[{ name: 'file', text: 'x' }, { name: 'file/inner', text: 'x' }], 'through-file file/inner'],
      [[{ name: 'out', type: 'symlink', linkname: '../outside' }], 'link-leaves out'],
      [[{ name: 'abs', type: 'symlink', linkname: '/etc/passwd' }], 'link-absolute abs'],
      [[{ name: 'f', text: 'x' }, { name: 'hard', type: 'link', linkname: 'f' }], 'type hard'],
      [[{ name: 'pipe', type: 'fifo' }], 'type pipe'],
    ];
    for (const [entries, expected] of cases) {
      fs.rmSync(dest, { recursive: true }); fs.mkdirSync(dest);
      assert.equal(await refusal(entries), expected);
    }
  });
});
