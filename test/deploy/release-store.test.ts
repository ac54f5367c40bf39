// The release records and build directories: versions, the current pointer, and pruning that
// keeps the last builds plus whatever the current release (maybe a rollback) runs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/settings.js';
import { Store, type ReleaseRecord } from '../../src/store/index.js';
import { parseAppName } from '../../src/names.js';

const app = parseAppName('kept');

function record(version: number, build = version): ReleaseRecord {
  return {
    version, rev: 'a'.repeat(40), createdAt: new Date(0).toISOString(), configDigest: '0'.repeat(12), pusher: 'admin',
    builder: 'native', kind: 'procfile', processTypes: { web: 'x' }, static: false, build, status: 'built',
  };
}

describe('release store', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-releases-'));
    store = new Store(loadSettings({ SLIPWAY_HOME: dir, SLIPWAY_KEYS_DIR: dir }, dir));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('numbers releases above every record and directory, and tracks the current one', async () => {
    const first = await store.releases.reserve(app);
    assert.equal(first.version, 1);
    assert.equal((await store.releases.reserve(app)).version, 2, 'an unrecorded directory still takes its number');
    await store.releases.record(app, record(1));
    assert.equal(await store.releases.current(app), undefined);
    await store.releases.setStatus(app, 1, 'deployed');
    assert.equal((await store.releases.current(app))?.version, 1);
  });

  it('prunes builds beyond the last five, keeping the one the current release runs', async () => {
    for (let v = 1; v <= 7; v++) {
      await store.releases.reserve(app);
      await store.releases.record(app, record(v));
    }
    await store.releases.record(app, record(8, 1)); // a rollback to v1's build
    await store.releases.setStatus(app, 8, 'deployed');
    const removed = await store.releases.pruneBuilds(app, 5);
    assert.deepEqual(removed, [2, 3]);
    const left = fs.readdirSync(store.layout.releasesDir(app)).filter((n) => n.startsWith('v')).sort();
    assert.deepEqual(left, ['v1', 'v4', 'v5', 'v6', 'v7']);
    assert.equal(await store.releases.hasBuild(app, record(2)), false);
  });

  it('10.5: after apps:rename, records naming a moved image name the new one; others are untouched', async () => {
    await store.releases.record(app, { ...record(1), image: 'dokku/old:1' });
    await store.releases.record(app, { ...record(2), image: 'dokku/old:2' });
    await store.releases.record(app, record(3));
    await store.releases.replaceImages(app, { 'dokku/old:2': 'dokku/kept:2' });
    assert.deepEqual((await store.releases.list(app)).map((r) => r.image), ['dokku/old:1', 'dokku/kept:2', undefined]);
  });

  it('10.5: SLIPWAY_KEEP_RELEASES sets how many builds stay (default 5, at least 1)', () => {
    assert.equal(loadSettings({}, dir).keepReleases, 5);
    assert.equal(loadSettings({ SLIPWAY_KEEP_RELEASES: '2' }, dir).keepReleases, 2);
    for (const bad of ['0', '-1', 'two', '1.5']) {
      assert.throws(() => loadSettings({ SLIPWAY_KEEP_RELEASES: bad }, dir), /SLIPWAY_KEEP_RELEASES must be a whole number of at least 1/);
    }
  });
});
