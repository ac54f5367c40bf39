// mayAccessApp (src/access/), as the router and the git layer call it: local operators always, admins unless a
// user-auth-app plugin refuses, other keys only on apps they were granted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { boot, type Booted } from '../../src/boot.js';
import { loadSettings } from '../../src/settings.js';
import { mayAccessApp, appOf } from '../../src/access/index.js';
import { takeFlags } from '../../src/commands/argv.js';
import type { Identity } from '../../src/commands/types.js';
import { parseAppName } from '../../src/names.js';

const key = (keyName: string, admin: boolean, remote = true): Identity => ({ user: 'dokku', keyName, fingerprint: 'SHA256:x', admin, remote });

describe('mayAccessApp', () => {
  let dir: string;
  let booted: Booted;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-acl-'));
    booted = boot(loadSettings({ SLIPWAY_HOME: path.join(dir, 'data'), SLIPWAY_KEYS_DIR: path.join(dir, 'keys') }));
    await booted.services.store.apps.create(parseAppName('app1'));
    await booted.services.store.apps.create(parseAppName('app2'));
    await booted.services.store.acl.change(parseAppName('app1'), 'dev', true);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lets the local operator and admin keys in', async () => {
    assert.equal(await mayAccessApp(booted.services, key('admin', true, false), 'app2'), true);
    assert.equal(await mayAccessApp(booted.services, key('admin', true), 'app2'), true);
  });

  it('lets a non-admin key in only where it was granted', async () => {
    assert.equal(await mayAccessApp(booted.services, key('dev', false), 'app1'), true);
    assert.equal(await mayAccessApp(booted.services, key('dev', false), 'app2'), false);
    assert.equal(await mayAccessApp(booted.services, key('other', false), 'app1'), false);
    assert.equal(await mayAccessApp(booted.services, key('dev', false), 'missing'), false);
  });

  it('refuses names that are not app names', async () => {
    for (const bad of ['../app1', 'App1', '', 'app1/..']) assert.equal(await mayAccessApp(booted.services, key('admin', true), bad), false);
  });

  it('finds the app a command acts on by the options it declares', () => {
    const app = { who: 'app' } as const;
    const parse = (args: string[], options: string[] = []) => takeFlags(args, options);
    assert.equal(appOf(app, parse(['app1', 'K=V'])), 'app1');
    assert.equal(appOf(app, parse(['--no-restart', 'app1', 'K=V'], ['--no-restart'])), 'app1');
    assert.equal(appOf(app, parse(['--no-restart', 'app1'])), undefined, 'an option the command does not declare hides the app');
    assert.equal(appOf(app, parse(['--format', 'json', 'app1'], ['--format='])), 'app1', 'a valued option takes its value');
    assert.equal(appOf(app, parse(['--format', 'app1', 'app2'])), undefined);
    assert.equal(appOf({ who: 'admin', app: 0 }, parse(['app1', 'key'])), 'app1');
    assert.equal(appOf({ who: 'admin' }, parse(['app1'])), undefined, 'admin commands name no app unless they say so');
    assert.equal(appOf(app, parse([])), undefined);
  });
});
