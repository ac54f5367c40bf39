// 12.1 (unit): the shipped plugins are linked at Dokku's paths (available/NAME, enabled/NAME) without
// becoming installed plugins; real folders are left alone and links to shipped plugins that are gone go.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/settings.js';
import { Store } from '../../src/store/index.js';

describe('12.1: core plugin links (PluginStore.linkCore)', () => {
  let dir: string;
  let store: Store;
  let core: string;
  const lib = () => store.settings.pluginPath;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-links-'));
    store = new Store(loadSettings({ SLIPWAY_HOME: path.join(dir, 'data') }, dir));
    core = path.join(dir, 'core');
    for (const name of ['common', 'config', 'mine']) fs.mkdirSync(path.join(core, name), { recursive: true });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('links every shipped plugin into available/ and enabled/, and lists none of them as installed', async () => {
    await store.plugins.linkCore(core, ['common', 'config']);
    for (const sub of ['available', 'enabled']) {
      for (const name of ['common', 'config']) assert.equal(fs.readlinkSync(path.join(lib(), sub, name)), path.join(core, name));
    }
    assert.deepEqual(await store.plugins.installed(), []);
    assert.deepEqual(await store.plugins.enabled(), []);
    assert.equal(await store.plugins.isInstalled('common'), false);
  });

  it('is idempotent, keeps a real folder of the same name and drops links to shipped plugins that are gone', async () => {
    fs.mkdirSync(path.join(lib(), 'available', 'mine'), { recursive: true });
    await store.plugins.enable('mine');
    await store.plugins.linkCore(core, ['common', 'config', 'mine']);
    await store.plugins.linkCore(core, ['common']);
    assert.ok(fs.lstatSync(path.join(lib(), 'available', 'mine')).isDirectory(), 'an installed plugin stays');
    assert.deepEqual(await store.plugins.installed(), ['mine']);
    assert.deepEqual(await store.plugins.enabled(), ['mine']);
    assert.equal(fs.existsSync(path.join(lib(), 'available', 'config')), false);
    assert.equal(fs.existsSync(path.join(lib(), 'enabled', 'config')), false);
    assert.equal(fs.readlinkSync(path.join(lib(), 'enabled', 'common')), path.join(core, 'common'));
  });
});
