// Listings against Dokku's documented output, over real ssh: apps:list (header, the no-apps
// warning, --format json), ps:scale (Dokku's padded table, --quiet, --format json),
// plugin:list --format json, and their bad --format values.
import assert from 'node:assert/strict';
import { TestServer } from '../helpers/server.js';

describe('listings (apps:list, ps:scale, plugin:list) as Dokku prints them', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => { server = await TestServer.start(); });
  after(async () => { await server?.stop(); });

  it('apps:list with no apps: the header, then Dokku\'s warning; exit 0; JSON is []', async () => {
    const r = await server.ssh(['apps:list']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '=====> My Apps', ' !     You haven\'t deployed any applications yet']);
    assert.equal((await server.ssh(['apps:list', '--format', 'json'])).stdout, '[]');
  });

  it('apps:list: one name a line; --quiet drops the header; --format json is an array of names', async () => {
    for (const app of ['one', 'two']) assert.equal((await server.ssh(['apps:create', app])).code, 0);
    assert.equal((await server.ssh(['apps:list'])).stdout, '=====> My Apps\none\ntwo');
    assert.equal((await server.ssh(['--quiet', 'apps:list'])).stdout, 'one\ntwo');
    assert.deepEqual(JSON.parse((await server.ssh(['apps:list', '--format', 'json'])).stdout), ['one', 'two']);
    const bad = await server.ssh(['apps:list', '--format', 'xml']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^ ! {5}Invalid --format value specified/);
  });

  it('ps:scale shows Dokku\'s table (names padded to 5), --quiet keeps only the rows, --format json', async () => {
    const set = await server.ssh(['ps:scale', 'one', 'web=2', 'worker=0']);
    assert.equal(set.code, 0, set.stderr);
    const shown = await server.ssh(['ps:scale', 'one']);
    assert.equal(shown.stdout, ['-----> Scaling for one', 'proctype: qty', '--------: ---', 'web:  2', 'worker: 0'].join('\n'));
    const lines = shown.stdout.split('\n');
    const quiet = await server.ssh(['--quiet', 'ps:scale', 'one']);
    assert.deepEqual(quiet.stdout.split('\n').filter(Boolean), lines.slice(3));
    const json = JSON.parse((await server.ssh(['ps:scale', '--format', 'json', 'one'])).stdout) as Array<{ process_type: string; quantity: number }>;
    assert.deepEqual(json.map((f) => `${f.process_type}:${f.quantity}`), lines.slice(3).map((l) => l.replace(/ +/, '')));
  });

  it('plugin:list --format json: Dokku\'s fields for every plugin', async () => {
    const r = await server.ssh(['plugin:list', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const plugins = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.ok(plugins.length > 0);
    for (const p of plugins) {
      assert.deepEqual(Object.keys(p), ['name', 'version', 'enabled', 'core', 'description', 'source_url', 'committish', 'branch']);
      assert.equal(typeof p.enabled, 'boolean');
    }
    const bad = await server.ssh(['plugin:list', '--format', 'yaml']);
    assert.deepEqual([bad.code, bad.stderr], [1, ' !     Invalid output format specified, supported formats: json, stdout']);
  });
});
