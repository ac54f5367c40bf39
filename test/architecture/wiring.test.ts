// boot() hands out one frozen services object: nothing patches it after boot, and the platform
// (when there is one) is the one interface core commands reach running apps through.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { boot, openServices } from '../../src/boot.js';
import { loadSettings } from '../../src/settings.js';
import type { AppPlatform } from '../../src/deploy/types.js';

describe('boot wiring', () => {
  let dir: string;
  const settings = () => loadSettings({ SLIPWAY_HOME: path.join(dir, 'data'), SLIPWAY_KEYS_DIR: path.join(dir, 'keys') });

  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-wiring-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('returns frozen services; a local process has no platform', () => {
    const { services } = boot(settings());
    assert.ok(Object.isFrozen(services));
    assert.equal(services.platform, undefined);
    assert.throws(() => { (services as { platform?: unknown }).platform = {}; }, TypeError);
  });

  it('builds on the services it is given, with the platform it is given', () => {
    const core = openServices(settings());
    assert.ok(Object.isFrozen(core));
    const platform = { scheduler: 'process' } as unknown as AppPlatform;
    const { services } = boot(core, platform);
    assert.equal(services.store, core.store, 'one store per process');
    assert.equal(services.plugins, core.plugins, 'one plugin host per process');
    assert.equal(services.platform, platform);
  });
});
