// Plugin properties (Dokku's fn-plugin-property-* layout) and the computed value every
// NAME:report row, deploy step and scheduler setting reads: the app's own, else the global one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/settings.js';
import { GLOBAL, Store } from '../../src/store/index.js';
import { parseAppName } from '../../src/names.js';

describe('property store (PropertyStore.effective)', () => {
  let dir: string;
  let store: Store;
  const app = parseAppName('web');

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-properties-'));
    store = new Store(loadSettings({ SLIPWAY_HOME: path.join(dir, 'data') }, dir));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is the app's value over the global one, the global one when the app has none, '' when neither", async () => {
    assert.equal(await store.properties.effective('git', app, 'deploy-branch'), '');
    await store.properties.set('git', GLOBAL, 'deploy-branch', 'trunk');
    assert.equal(await store.properties.effective('git', app, 'deploy-branch'), 'trunk');
    await store.properties.set('git', app, 'deploy-branch', 'main');
    assert.equal(await store.properties.effective('git', app, 'deploy-branch'), 'main');
    assert.equal(await store.properties.effective('git', GLOBAL, 'deploy-branch'), 'trunk', 'the global scope reads only itself');
  });

  it('trims a hand-written newline and treats a blank own value as unset', async () => {
    fs.mkdirSync(store.layout.propertyDir('git', app), { recursive: true });
    fs.writeFileSync(path.join(store.layout.propertyDir('git', app), 'deploy-branch'), '  \n');
    await store.properties.set('git', GLOBAL, 'deploy-branch', 'trunk\n');
    assert.equal(await store.properties.effective('git', app, 'deploy-branch'), 'trunk');
  });
});
