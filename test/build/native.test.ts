// The native builder's detection and the Procfile parser, on plain directories.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseProcfile } from '../../src/build/procfile.js';
import { defaultBuilders } from '../../src/build/registry.js';
import { nativeBuilder } from '../../src/build/native.js';
import { parseAppName } from '../../src/names.js';
import { capture } from '../deploy/helpers.js';

const made: string[] = [];

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-build-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

function context(dir: string) {
  return { app: parseAppName('b'), version: 1, dir, env: { npm_config_offline: 'true' }, cacheDir: path.join(dir, '.cache'), out: capture().out, signal: new AbortController().signal };
}

describe('native builder', () => {
  after(() => { for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); });

  it('parses a Procfile: types, comments, commands with colons', () => {
    assert.deepEqual(parseProcfile('# comment\nweb: node server.js --listen=0.0.0.0:$PORT\n\nworker:   node worker.js\r\n'), {
      web: 'node server.js --listen=0.0.0.0:$PORT',
      worker: 'node worker.js',
    });
    assert.throws(() => parseProcfile('web node server.js'), /Procfile line 1 is not `type: command`/);
    assert.throws(() => parseProcfile('web: a\nweb: b'), /Procfile defines web twice/);
  });

  it('ps:set procfile-path: a Procfile elsewhere is detected and read there', async () => {
    const dir = tree({ 'Procfile.alt': 'web: node server.js\nclock: node clock.js\n' });
    const registry = defaultBuilders();
    await assert.rejects(registry.select(dir), /Unable to select a builder/);
    assert.equal((await registry.select(dir, undefined, undefined, { procfilePath: 'Procfile.alt' })).name, 'native');
    const result = await nativeBuilder.build({ ...context(dir), procfilePath: 'Procfile.alt' });
    assert.deepEqual([result.kind, result.processTypes], ['procfile', { web: 'node server.js', clock: 'node clock.js' }]);
  });

  it('detects Procfile, package.json and static sites; refuses an empty tree', async () => {
    const registry = defaultBuilders();
    assert.equal((await registry.select(tree({ Procfile: 'web: x' }))).name, 'native');
    await assert.rejects(registry.select(tree({ 'README.md': 'hi' })), /Unable to select a builder/);
    await assert.rejects(registry.select(tree({}), 'herokuish'), /Builder herokuish is not available/);
  });

  it('builds a static site without processes and a Procfile app with its types', async () => {
    const site = await nativeBuilder.build(context(tree({ 'index.html': '<h1>x</h1>' })));
    assert.deepEqual(site, { builder: 'native', kind: 'static', processTypes: {}, static: true });
    const proc = await nativeBuilder.build(context(tree({ Procfile: 'web: ./run\nclock: ./tick' })));
    assert.deepEqual(proc.processTypes, { web: './run', clock: './tick' });
    assert.equal(proc.kind, 'procfile');
  });

  it('refuses a package.json app with nothing to start, and a failing build step', async () => {
    await assert.rejects(nativeBuilder.build(context(tree({ 'package.json': '{"name":"x"}' }))), /no start script/);
    const failing = tree({ 'package.json': '{"name":"x","scripts":{"start":"node s.js","build":"exit 4"}}' });
    await assert.rejects(nativeBuilder.build(context(failing)), /^DeployFailed: Build step `npm run build` failed \(exit 4\)$/);
  });
});
