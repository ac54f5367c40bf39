// A full disk under SLIPWAY_HOME (a 4 MB tmpfs, filled by a filler file): config:set fails with
// one clear line and leaves the ENV file as it was; a push whose pack does not fit, and one whose
// pack fits but whose tree does not, fail cleanly without moving the ref or leaving half-written
// files; the old release keeps serving; once space is free again the next push deploys.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { until } from '../helpers/ssh-client.js';
import { get } from '../deploy/helpers.js';
import { PushClient, appFiles, fsck, quarantineDirs, serverRev } from './push-client.js';

const APP = 'full';
const SIZE = '4m';

describe('faults: the data disk is full', function () {
  this.timeout(180_000);
  let mount = '';
  let mounted = false;
  let server: TestServer | undefined;
  let client: PushClient;

  const home = () => path.join(mount, 'data');
  const filler = () => path.join(mount, 'filler');
  const envFile = () => path.join(home(), 'home', APP, 'ENV');
  const releasesDir = () => path.join(home(), 'lib', 'data', 'releases', APP);

  function freeBytes(): number {
    const stat = fs.statfsSync(mount);
    return stat.bavail * stat.bsize;
  }

  /** Grow the filler until the disk is full, then give back `leave` bytes. */
  function fillLeaving(leave: number): void {
    const fd = fs.openSync(filler(), 'a');
    const chunk = Buffer.alloc(64 * 1024);
    try {
      for (let i = 0; i < 1024; i++) fs.writeSync(fd, chunk);
      throw new Error('the disk never filled up');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      fs.closeSync(fd);
    }
    // Small writes may still fit in the last partial page: fill those too.
    for (let i = 0; i < 1024; i++) {
      try {
        fs.appendFileSync(filler(), Buffer.alloc(512));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
    if (leave > 0) fs.truncateSync(filler(), Math.max(0, fs.statSync(filler()).size - leave));
  }

  function freeAll(): void {
    fs.rmSync(filler(), { force: true });
  }

  async function served(): Promise<string> {
    await until(() => /\(proxy\)/.test(server!.output));
    return (await get(server!.httpPort, `${APP}.localhost`)).body;
  }

  before(async function () {
    mount = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-full-'));
    const r = await execa('mount', ['-t', 'tmpfs', '-o', `size=${SIZE},mode=0755`, 'tmpfs', mount], { reject: false });
    if (r.exitCode !== 0) {
      const reason = `cannot mount a ${SIZE} tmpfs (${r.stderr.trim() || `exit ${r.exitCode}`}): needs root or CAP_SYS_ADMIN`;
      (this.test?.parent as (Mocha.Suite & { skipReason?: string }) | undefined)!.skipReason = reason;
      this.skip();
    }
    mounted = true;
    server = await TestServer.start({ home: home() });
    assert.equal((await server.ssh(['apps:create', APP])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', APP, 'KEEP=kept', 'DOKKU_WAIT_TO_RETIRE=0'])).code, 0);
    client = new PushClient(server, path.join(server.dir, 'work'));
    await client.init(appFiles('one'));
    const push = await client.push(APP);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(await served(), 'one');
  });

  after(async () => {
    if (mounted) freeAll();
    await server?.stop();
    if (mounted) await execa('umount', [mount], { reject: false });
    if (mount) fs.rmSync(mount, { recursive: true, force: true });
  });

  afterEach(() => { if (mounted) freeAll(); });

  it('regression: config:set of a big value fails with one clear line; the ENV file is unchanged and no temp file is left', async () => {
    const before = fs.readFileSync(envFile());
    fillLeaving(0);
    const r = await server!.ssh(['config:set', '--no-restart', APP, `BIG=${'x'.repeat(20_000)}`]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^ !     No space left on the data disk \(writing ENV\); nothing was changed$/);
    assert.deepEqual(fs.readFileSync(envFile()), before);
    assert.deepEqual(fs.readdirSync(path.dirname(envFile())).filter((n) => n.endsWith('.tmp')), []);
    freeAll();
    const get = await server!.ssh(['config:get', APP, 'KEEP']);
    assert.equal(get.stdout, 'kept');
    const ok = await server!.ssh(['config:set', '--no-restart', APP, 'AFTER=ok']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('a push whose pack does not fit fails; the ref stays, the old release serves; after freeing space the next push deploys', async () => {
    const before = await serverRev(server!, APP);
    const base = await client.mustGit(['rev-parse', 'HEAD']);
    await client.commit({ 'blob.bin': randomBytes(1536 * 1024).toString('base64') });
    fillLeaving(256 * 1024);
    const push = await client.push(APP);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /No space left on device|unpack failed|index-pack/i, push.stderr);
    assert.equal(await serverRev(server!, APP), before);
    assert.deepEqual(quarantineDirs(server!, APP), []);
    assert.equal((await fsck(server!, APP)).code, 0);
    assert.equal(await served(), 'one');

    freeAll();
    await client.mustGit(['reset', '-q', '--hard', base]);
    const next = await client.commit(appFiles('two'));
    const again = await client.push(APP);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await serverRev(server!, APP), next);
    assert.equal(await served(), 'two');
  });

  it('regression: a push whose pack fits but whose tree does not fails in the build, leaves no release dir behind, and the next small push deploys', async () => {
    const before = await serverRev(server!, APP);
    const base = await client.mustGit(['rev-parse', 'HEAD']);
    const dirsBefore = fs.readdirSync(releasesDir()).sort();
    // 3 MB of zeros: a few kB in the pack, 3 MB once extracted.
    await client.commit({ 'zeros.bin': '\0'.repeat(3 * 1024 * 1024) });
    fillLeaving(768 * 1024);
    const free = freeBytes();
    const push = await client.push(APP);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /remote:  !     No space left on the data disk to extract [0-9a-f]{7}; nothing was deployed/, push.stderr);
    assert.equal(await serverRev(server!, APP), before);
    assert.deepEqual(fs.readdirSync(releasesDir()).sort(), dirsBefore, 'the half-extracted release dir was removed');
    assert.ok(freeBytes() >= free - 64 * 1024, `space came back (${freeBytes()} of ${free} bytes free)`);
    assert.equal(await served(), 'two');

    // Still nearly full: a small push fits and deploys.
    await client.mustGit(['reset', '-q', '--hard', base]);
    const next = await client.commit(appFiles('three'));
    const again = await client.push(APP);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await serverRev(server!, APP), next);
    assert.equal(await served(), 'three');
  });
});
