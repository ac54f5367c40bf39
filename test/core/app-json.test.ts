// app-json:set and app-json:report as Dokku documents them (real server, OpenSSH, git push):
// Dokku's property messages and exit codes, the report's flags, --global and --format json, and
// appjson-path honoured by the next deploy (its healthchecks are the ones run).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';

const FAILING_CHECK = JSON.stringify({
  healthchecks: { web: [{ type: 'startup', path: '/', content: 'words-the-app-never-says', attempts: 1, wait: 0, timeout: 5 }] },
});

describe('app-json:set, app-json:report (real server, git push, OpenSSH)', function () {
  this.timeout(240_000);
  let server: TestServer;

  const run = (args: string[]) => server.ssh(args);
  const ok = async (args: string[]) => {
    const r = await run(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const bad = async (args: string[], stderr: string | RegExp, code = 1) => {
    const r = await run(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout} ${r.stderr}`);
    if (typeof stderr === 'string') assert.equal(r.stderr, stderr);
    else assert.match(r.stderr, stderr);
  };

  before(async () => {
    server = await TestServer.start();
    // The app's real app.json is elsewhere; a root app.json would be read by default.
    const work = await appWork(server);
    fs.mkdirSync(path.join(work.work, 'config'));
    fs.writeFileSync(path.join(work.work, 'config', 'app.json'), `// checks that fail\n${FAILING_CHECK}\n`);
    for (const args of [['add', '-A'], ['commit', '-qm', 'config/app.json']]) assert.equal((await work.git(args)).exitCode, 0);
    const pushed = await work.push('jsonapp');
    assert.equal(pushed.exitCode, 0, `the default path (app.json, absent here) reads no checks: ${String(pushed.stderr)}`);
  });
  after(async () => { await server?.stop(); });

  it('app-json:set refuses as Dokku does', async () => {
    await bad(['app-json:set', 'jsonapp'], ' !     No property specified');
    await bad(['app-json:set', 'jsonapp', 'path', 'x.json'], ' !     Invalid property specified, valid properties include: appjson-path');
    await bad(['app-json:set', 'ghost', 'appjson-path', 'x.json'], ' !     App ghost does not exist', 20);
    await bad(['app-json:set', 'jsonapp', 'appjson-path', '../../etc/app.json'], /Invalid appjson-path/);
    await bad(['app-json:set'], ' !     Please specify an app to run the command on');
  });

  it('appjson-path: the next deploy reads app.json there (its healthchecks run)', async () => {
    assert.equal(await ok(['app-json:report', 'jsonapp', '--app-json-computed-appjson-path']), 'app.json');
    assert.equal(await ok(['app-json:set', 'jsonapp', 'appjson-path', 'config/app.json']), '=====> Setting appjson-path to config/app.json');
    const rebuilt = await run(['ps:rebuild', 'jsonapp']);
    assert.equal(rebuilt.code, 1, rebuilt.stdout);
    assert.match(rebuilt.stdout, /Reading app\.json from config\/app\.json \(app-json:set appjson-path\)/);
    assert.match(rebuilt.stderr, /Health check failed: web\.1 GET \/ answered 200 without the expected content "words-the-app-never-says"/);
    assert.equal(await ok(['app-json:set', 'jsonapp', 'appjson-path']), '=====> Unsetting appjson-path');
    const again = await run(['ps:rebuild', 'jsonapp']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /Reading app\.json from/);
  });

  it('app-json:report: app, --global and computed values; --format json; every app; the aggregate report', async () => {
    assert.equal(await ok(['--quiet', 'app-json:set', '--global', 'appjson-path', 'deploy/app.json']), '');
    assert.equal(await ok(['app-json:report', 'jsonapp', '--app-json-computed-appjson-path']), 'deploy/app.json');
    assert.equal(await ok(['app-json:report', 'jsonapp', '--app-json-appjson-path']), '');
    assert.equal(await ok(['app-json:report', '--global', '--app-json-global-appjson-path']), 'deploy/app.json');
    const block = await ok(['app-json:report', 'jsonapp']);
    assert.match(block, /^=====> jsonapp app-json information$/m);
    assert.match(block, /^ {7}App json computed appjson path: +deploy\/app\.json$/m);
    const json = JSON.parse(await ok(['app-json:report', 'jsonapp', '--format', 'json'])) as Record<string, string>;
    assert.deepEqual([json['computed-appjson-path'], json['app-json-computed-appjson-path'], json['global-appjson-path'], json['appjson-path']],
      ['deploy/app.json', 'deploy/app.json', 'deploy/app.json', '']);
    assert.match(await ok(['app-json:report']), /^=====> jsonapp app-json information$/m);
    assert.match(await ok(['report', 'jsonapp']), /^=====> jsonapp app-json information$/m);
    await bad(['app-json:report', 'jsonapp', '--nope'], /Invalid flag passed, valid flags: --app-json-appjson-path, --app-json-computed-appjson-path, --app-json-global-appjson-path/);
    await ok(['app-json:set', '--global', 'appjson-path']);
    const help = await ok(['help', '--all']);
    assert.match(help, /app-json:set \(<app>\|--global\) appjson-path \[<path>\]/);
    assert.match(help, /app-json:report \[<app>\|--global\] \[<flag>\]/);
  });
});
