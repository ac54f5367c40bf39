// trace:on lives in $DOKKU_ROOT/.dokkurc/DOKKU_TRACE (Dokku's place); the property older Slipway
// versions wrote is moved into that file the first time a store is asked, so every process (server,
// local CLI) sees the same state and trace:off ends it for all of them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../src/settings.js';
import { GLOBAL, Store } from '../../src/store/index.js';

describe('trace store (TraceStore)', () => {
  let dir: string;
  const open = () => new Store(loadSettings({ SLIPWAY_HOME: path.join(dir, 'data') }, dir));

  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-trace-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is on exactly while the dokkurc file exists, whoever writes or removes it', async () => {
    const store = open();
    assert.equal(await store.trace.isOn(), false);
    await store.trace.set(true);
    assert.equal(fs.readFileSync(store.layout.traceFile(), 'utf8'), 'export DOKKU_TRACE=1\n');
    assert.equal(await store.trace.isOn(), true);
    fs.rmSync(store.layout.traceFile()); // an operator, or another process's trace:off
    assert.equal(await store.trace.isOn(), false);
  });

  it("moves an older version's trace property into the file, once, so another store's trace:off ends it", async () => {
    const server = open();
    await server.properties.set('trace', GLOBAL, 'enabled', 'true');
    assert.equal(await server.trace.isOn(), true);
    assert.equal(fs.existsSync(server.layout.traceFile()), true);
    assert.equal(await server.properties.get('trace', GLOBAL, 'enabled'), undefined);
    await open().trace.set(false); // a local CLI's trace:off
    assert.equal(await server.trace.isOn(), false);
  });
});
