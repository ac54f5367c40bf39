// Issue 12 (done-when): the trigger table checked against what a real server fires. A recorder
// plugin has one executable per trigger the table says Slipway fires; a real push, config,
// domains, ports, certs, ps, rename, clone and destroy then run over real ssh and git, and every
// recorded call must match its row: a fired trigger, Dokku's argument count, the app where the row
// names APP (or the old/new names), and the row's working directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TRIGGERS, argCount, triggerSpec } from '../../src/plugins/trigger-table.js';
import { TestServer } from '../helpers/server.js';
import { makePluginRepo } from './helpers.js';
import { appWork } from '../helpers/app-work.js';

const APP = 'tracked';
const CLONE = 'tracked-copy';
const RENAMED = 'tracked-two';

const RECORDER = `#!/usr/bin/env bash
# One line per call: trigger name, each argument and the working directory, tab-separated.
{ printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\t@%s\\n' "$PWD"; } >>"$DOKKU_LIB_ROOT/trigger-calls"
`;

interface Call { name: string; args: string[]; cwd: string }

describe('12.3: the trigger table against a real server', function () {
  this.timeout(300_000);
  let server: TestServer;
  let calls: Call[] = [];
  const fired = Object.entries(TRIGGERS).filter(([, spec]) => spec.status === 'fired').map(([name]) => name);

  const ok = async (args: string[], input?: string) => {
    const r = await server.ssh(args, { input });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  };
  const read = (): Call[] => {
    const file = path.join(server.home, 'lib', 'trigger-calls');
    if (!fs.existsSync(file)) return [];
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
      const parts = line.split('\t');
      return { name: parts[0], args: parts.slice(1, -1), cwd: parts[parts.length - 1].slice(1) };
    });
  };

  before(async () => {
    server = await TestServer.start();
    const files: Record<string, { text: string; mode: number }> = {
      'plugin.toml': { text: '[plugin]\ndescription = "records every fired trigger"\nversion = "1.0.0"\n[plugin.config]\n', mode: 0o644 },
    };
    for (const name of fired) files[name] = { text: RECORDER, mode: 0o755 };
    const repo = await makePluginRepo(path.join(server.dir, 'repos', 'dokku-recorder'), undefined, files);
    await ok(['plugin:install', `file://${repo}`, '--name', 'recorder']);

    // The same flow a Dokku user runs: create, configure, push, operate, rename, clone, destroy.
    await ok(['apps:create', APP]);
    await ok(['config:set', '--no-restart', APP, 'GREETING=hi']);
    await ok(['domains:add', APP, `${APP}.example.test`]);
    const push = await (await appWork(server)).push(APP);
    assert.equal(push.exitCode, 0, String(push.stderr));
    await ok(['ports:add', APP, 'http:8080:5000']);
    await ok(['certs:generate', APP, `${APP}.example.test`]);
    await ok(['certs:remove', APP]);
    await ok(['ps:stop', APP]);
    await ok(['ps:start', APP]);
    await ok(['config:unset', '--no-restart', APP, 'GREETING']);
    await ok(['apps:clone', '--skip-deploy', APP, CLONE]);
    await ok(['apps:rename', APP, RENAMED]);
    await ok(['apps:destroy', CLONE, '--force']);
    calls = read();
  });
  after(async () => { await server?.stop(); });

  it('every recorded call is a fired row with Dokku\'s argument count', () => {
    assert.ok(calls.length > 20, `only ${calls.length} calls recorded`);
    const wrong: string[] = [];
    for (const call of calls) {
      const spec = triggerSpec(call.name);
      if (spec?.status !== 'fired') { wrong.push(`${call.name}: not a fired row`); continue; }
      const [least, most] = argCount(spec);
      if (call.args.length < least || call.args.length > most) wrong.push(`${call.name} got ${call.args.length} arguments (${call.args.join(' ')}), the table says ${spec.args.join(' ')}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('APP, OLD_APP_NAME and NEW_APP_NAME hold the app names, in the row\'s positions', () => {
    const apps = new Set([APP, CLONE, RENAMED]);
    const wrong: string[] = [];
    for (const call of calls) {
      const spec = triggerSpec(call.name)!;
      spec.args.forEach((arg, i) => {
        if (['APP', 'OLD_APP_NAME', 'NEW_APP_NAME'].includes(arg) && !apps.has(call.args[i])) wrong.push(`${call.name} ${arg}=${call.args[i]}`);
      });
    }
    assert.deepEqual(wrong, []);
    const pairs = (name: string) => calls.filter((c) => c.name === name).map((c) => c.args.join(' '));
    assert.deepEqual(pairs('post-app-rename'), [`${APP} ${RENAMED}`]);
    // Dokku's nginx clears the proxy config the new name inherited (its post-app-rename-setup).
    assert.deepEqual(pairs('proxy-clear-config'), [RENAMED]);
    assert.deepEqual(pairs('post-app-clone-setup'), [`${APP} ${CLONE}`]);
    assert.deepEqual(pairs('post-config-update'), [`${APP} set GREETING`, `${APP} unset GREETING`]);
  });

  it('a push fires the deploy triggers once each, in Dokku\'s order, with the builder first where Dokku puts it', () => {
    const order = ['receive-branch', 'post-extract', 'pre-receive-app', 'pre-build', 'post-build', 'pre-deploy', 'check-deploy', 'post-deploy', 'receive-app'];
    const seen = calls.map((c) => c.name).filter((n) => order.includes(n));
    // ps:start redeploys too: take the first run of the deploy triggers (the push).
    assert.deepEqual(seen.slice(0, order.length), order);
    const build = calls.find((c) => c.name === 'pre-build')!;
    assert.deepEqual(build.args.slice(0, 2), [build.args[0], APP]);
    assert.match(build.args[0], /^[a-z]+$/, 'BUILDER_TYPE comes first');
    assert.equal(calls.find((c) => c.name === 'receive-branch')!.args[2], 'refs/heads/main');
  });

  it('each call runs where its row says: $DOKKU_ROOT, or the extracted source tree', () => {
    const root = path.join(server.home, 'home');
    const wrong: string[] = [];
    for (const call of calls) {
      const cwd = triggerSpec(call.name)!.cwd ?? 'root';
      if (cwd === 'root' && call.cwd !== root) wrong.push(`${call.name} ran in ${call.cwd}`);
      if (cwd === 'source' && call.cwd === root) wrong.push(`${call.name} ran in $DOKKU_ROOT, not the source tree`);
    }
    assert.deepEqual(wrong, []);
  });

  it('the flow fired every trigger the table says these commands fire', () => {
    const names = new Set(calls.map((c) => c.name));
    const expected = ['post-create', 'post-config-update', 'post-domains-update', 'receive-branch', 'post-extract', 'pre-receive-app', 'pre-build', 'post-build',
      'pre-deploy', 'check-deploy', 'post-deploy', 'receive-app', 'post-proxy-ports-update', 'post-certs-update', 'post-certs-remove', 'post-stop', 'pre-start',
      'post-app-clone-setup', 'post-app-clone', 'post-app-rename-setup', 'proxy-clear-config', 'post-app-rename', 'pre-delete', 'post-delete', 'install', 'user-auth'];
    assert.deepEqual(expected.filter((n) => !names.has(n)), []);
  });
});
