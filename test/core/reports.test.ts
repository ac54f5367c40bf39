// Every NAME:report against Dokku's documented report contract, over real ssh: aligned blocks
// (names padded to 31), `--FLAG` prints one value, `--format json`, no app = every app,
// `--global`, `--quiet` drops the header, one-flag and bad-flag errors; `report` aggregates.
import assert from 'node:assert/strict';
import { TestServer } from '../helpers/server.js';

describe('reports (Dokku\'s NAME:report contract)', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => { server = await TestServer.start(); });
  after(async () => { await server?.stop(); });

  it('with no apps, a report without an app warns like Dokku and exits 0', async () => {
    const r = await server.ssh(['domains:report']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', ' !     You haven\'t deployed any applications yet']);
  });

  it('one block per app: header, rows sorted by flag, names padded to 31 columns', async () => {
    assert.equal((await server.ssh(['apps:create', 'alpha'])).code, 0);
    assert.equal((await server.ssh(['domains:add', 'alpha', 'alpha.example.com'])).code, 0);
    const r = await server.ssh(['domains:report', 'alpha']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], '=====> alpha domains information');
    assert.equal(lines[1], '       Domains app enabled:           true');
    assert.equal(lines[2], '       Domains app vhosts:            alpha.localhost alpha.example.com');
    assert.match(lines[3], /^ {7}Domains global enabled: {8}(true|false)$/);
    assert.match(lines[4], /^ {7}Domains global vhosts: {9}/);
    assert.equal(lines.length, 5);
  });

  it('--FLAG prints just the value (ps, domains, git, apps, builder, scheduler)', async () => {
    assert.equal((await server.ssh(['domains:report', 'alpha', '--domains-app-vhosts'])).stdout, 'alpha.localhost alpha.example.com');
    assert.equal((await server.ssh(['ps:report', 'alpha', '--deployed'])).stdout, 'false');
    assert.equal((await server.ssh(['git:report', 'alpha', '--git-deploy-branch'])).stdout, '');
    assert.equal((await server.ssh(['git:report', 'alpha', '--git-computed-deploy-branch'])).stdout, 'master');
    assert.equal((await server.ssh(['apps:report', 'alpha', '--app-locked'])).stdout, 'false');
    assert.equal((await server.ssh(['builder:report', 'alpha', '--builder-selected'])).stdout, '');
    assert.match((await server.ssh(['scheduler:report', 'alpha', '--scheduler-computed-selected'])).stdout, /^(process|docker-local)$/);
  });

  it('--format json: one JSON object per app, keys without the plugin prefix (legacy keys where Dokku keeps them)', async () => {
    const domains = await server.ssh(['domains:report', 'alpha', '--format', 'json']);
    const data = JSON.parse(domains.stdout) as Record<string, string>;
    assert.equal(data['app-vhosts'], 'alpha.localhost alpha.example.com');
    assert.equal(data['app-enabled'], 'true');
    assert.equal(data['domains-app-vhosts'], undefined, 'domains emits no legacy keys');
    const apps = JSON.parse((await server.ssh(['apps:report', 'alpha', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(apps.locked, 'false');
    assert.equal(apps['app-locked'], 'false', 'apps keeps the legacy key too');
    assert.deepEqual(Object.keys(apps), [...Object.keys(apps)].sort(), 'keys sorted, as Go marshals a map');
  });

  it('no app = every app, in every format', async () => {
    assert.equal((await server.ssh(['apps:create', 'beta'])).code, 0);
    const all = await server.ssh(['git:report']);
    assert.match(all.stdout, /^=====> alpha git information$/m);
    assert.match(all.stdout, /^=====> beta git information$/m);
    assert.equal((await server.ssh(['git:report', '--git-computed-deploy-branch'])).stdout, 'master\nmaster');
    const json = (await server.ssh(['ps:report', '--format', 'json'])).stdout.split('\n');
    assert.equal(json.length, 2);
    for (const line of json) assert.equal((JSON.parse(line) as Record<string, string>).deployed, 'false');
  });

  it('--global reports the global settings', async () => {
    assert.equal((await server.ssh(['git:set', '--global', 'deploy-branch', 'trunk'])).code, 0);
    const r = await server.ssh(['git:report', '--global']);
    assert.equal(r.stdout, [
      '=====> --global git information',
      '       Git computed archive max files: 10000',
      '       Git computed archive max size:  1073741824',
      '       Git computed deploy branch:     trunk',
      '       Git computed keep git dir:      false',
      '       Git global archive max files:   ',
      '       Git global archive max size:    ',
      '       Git global deploy branch:       trunk',
      '       Git global keep git dir:        ',
    ].join('\n'));
    assert.equal((await server.ssh(['git:report', '--global', '--git-global-deploy-branch'])).stdout, 'trunk');
    assert.equal((await server.ssh(['git:set', '--global', 'deploy-branch'])).code, 0);
  });

  it('--quiet drops the header and keeps the rows', async () => {
    const r = await server.ssh(['--quiet', 'domains:report', 'alpha']);
    assert.doesNotMatch(r.stdout, /=====>/);
    assert.match(r.stdout, /^ {7}Domains app vhosts: +alpha\.localhost alpha\.example\.com$/m);
  });

  it('mistakes: a bad flag, two flags, --format with a flag, a bad format, a missing app', async () => {
    const bad = await server.ssh(['domains:report', 'alpha', '--nope']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, ' !     Invalid flag passed, valid flags: --domains-app-enabled, --domains-app-vhosts, --domains-global-enabled, --domains-global-vhosts');
    const two = await server.ssh(['ps:report', 'alpha', '--deployed', '--running']);
    assert.deepEqual([two.code, two.stderr], [1, ' !     ps:report command allows only a single flag']);
    const both = await server.ssh(['ps:report', 'alpha', '--format', 'json', '--deployed']);
    assert.deepEqual([both.code, both.stderr], [1, ' !     --format flag cannot be specified when specifying an info flag']);
    const format = await server.ssh(['ps:report', 'alpha', '--format', 'yaml']);
    assert.deepEqual([format.code, format.stderr], [1, ' !     Format must be "stdout" or "json": "yaml"']);
    const ghost = await server.ssh(['apps:report', 'ghost']);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
  });

  it('report prints the vitals; report APP adds every core report of the app; --format is refused', async () => {
    const bare = await server.ssh(['report']);
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stdout, /^-----> dokku version: \S+ \(slipway\)$/m);
    assert.match(bare.stdout, /^-----> git version: git version /m);
    assert.doesNotMatch(bare.stdout, /=====> alpha/);
    const one = await server.ssh(['report', 'alpha']);
    assert.equal(one.code, 0, one.stderr);
    for (const type of ['app', 'builder', 'domains', 'git', 'ps', 'scheduler']) {
      assert.match(one.stdout, new RegExp(`^=====> alpha ${type} information$`, 'm'));
    }
    assert.doesNotMatch(one.stdout, /=====> beta/);
    const all = await server.ssh(['report', '--all']);
    assert.match(all.stdout, /=====> beta git information/);
    const json = await server.ssh(['report', '--format', 'json']);
    assert.deepEqual([json.code, json.stderr], [1, ' !     --format flag not supported on global report']);
  });
});
