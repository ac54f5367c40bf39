// The router's one access check, table-driven over every core command: a non-admin key is judged
// by the command's declared rule alone (admin-only, an app it was granted, or any key), whatever
// the family, and global flags or the command's own options before the app change nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { boot, type Booted } from '../../src/boot.js';
import { loadSettings } from '../../src/settings.js';
import { Registry, type CoreCommand } from '../../src/commands/registry.js';
import { Router } from '../../src/commands/router.js';
import type { Identity } from '../../src/commands/types.js';
import { parseAppName } from '../../src/names.js';
import { GLOBAL } from '../../src/store/index.js';

const dev: Identity = { user: 'dokku', keyName: 'dev', fingerprint: 'SHA256:dev', admin: false, remote: true };
const admin: Identity = { user: 'dokku', keyName: 'boss', fingerprint: 'SHA256:boss', admin: true, remote: true };

/** What the decisions are today: a change here is a change of who may do what. */
// apps:clone makes a new app, which only admin keys may (a grant on the old app is not enough);
// git:sync makes the server fetch any URL or path it can reach (another app's repo, its network);
// git:from-image builds FROM any image the engine holds (another app's included).
// nginx:reload|start|stop act on the nginx every app shares (an app's own rebuild is nginx:build-config).
const ADMIN_ONLY = /^(acl|events|plugin|ssh-keys|trace)(:|$)|^(git:token:.*|storage:(?:mount|create|destroy|ensure-directory|info|list-entries|set)|letsencrypt:(?:list|cron-job)|docker:image-id|domains:(?:add|remove|set|clear)-global|apps:clone|docker-options:(add|remove|clear)|git:sync|git:from-image|nginx:(?:reload|start|stop)|registry:(?:login|logout)|scheduler-docker-swarm:(?:init|nodes)|network:(?:create|destroy|exists|info|list|rebuildall))$/;
const ANY_KEY = new Set(['help', 'version', 'apps', 'apps:list']);
// dashboard:* act on the key's own sessions only; what a session may then do is the key's own rights.
for (const name of ['dashboard:login', 'dashboard:sessions', 'dashboard:logout']) ANY_KEY.add(name);

interface Outcome { ran: boolean; denied: boolean }

// git:load-image adds images to the engine; git:auth, allow-host and the deploy key are the server's own credentials.
const GIT_ADMIN_ONLY = /^git:(?:load-image|auth|auth-status|allow-host|public-key|generate-deploy-key)$/;

describe('11.2: one access check for every command', function () {
  this.timeout(60_000);
  let dir: string;
  let booted: Booted;
  let router: Router;
  let commands: CoreCommand[];
  const ran: string[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-access-'));
    booted = boot(loadSettings({ SLIPWAY_HOME: path.join(dir, 'data'), SLIPWAY_KEYS_DIR: path.join(dir, 'keys') }));
    for (const app of ['granted', 'other']) await booted.services.store.apps.create(parseAppName(app));
    await booted.services.store.acl.change(parseAppName('granted'), 'dev', true);
    // A thousand runs: no need to write each one to the events log.
    await booted.services.store.properties.set('events', GLOBAL, 'enabled', 'false');
    // The real registry's declarations with every command's body replaced by a recorder.
    const spies = new Registry();
    for (const set of booted.registry.sets) {
      spies.add({ ...set, commands: set.commands.map((c) => ({ ...c, run: async () => { ran.push(c.name); } })) });
    }
    router = new Router(spies, booted.services);
    commands = booted.registry.sets.flatMap((s) => s.commands);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function run(identity: Identity, argv: string[]): Promise<Outcome> {
    ran.length = 0;
    const stdin = new PassThrough();
    stdin.end();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c: Buffer) => { err += c.toString(); });
    await router.run({ argv, identity, io: { stdin, stdout: new PassThrough().resume(), stderr, tty: false }, signal: new AbortController().signal });
    return { ran: ran.length > 0, denied: /Access denied/.test(err) };
  }

  const expect = (outcome: Outcome, allowed: boolean, what: string) =>
    assert.deepEqual(outcome, { ran: allowed, denied: !allowed }, what);

  it('the registry declares the expected admin-only and open commands', () => {
    for (const c of commands) {
      const rule = booted.registry.accessRule(c.name);
      const who = ADMIN_ONLY.test(c.name) || GIT_ADMIN_ONLY.test(c.name) ? 'admin' : ANY_KEY.has(c.name) ? 'any' : 'app';
      assert.equal(rule.who, who, c.name);
    }
  });

  it('a non-admin key: admin-only commands never, app commands only on a granted app, open ones always', async () => {
    for (const c of commands) {
      const who = booted.registry.accessRule(c.name).who;
      const onGranted = await run(dev, [c.name, 'granted', 'x']);
      expect(onGranted, who !== 'admin', `${c.name} granted`);
      expect(await run(dev, [c.name, 'other', 'x']), who === 'any', `${c.name} other`);
      if (who === 'app') {
        expect(await run(dev, [c.name]), false, `${c.name} with no app`);
        expect(await run(dev, [c.name, 'granted', '--global']), false, `${c.name} --global`);
        expect(await run(dev, [c.name, '--all']), false, `${c.name} --all`);
      }
    }
  });

  it('an admin key runs every command, the local operator too', async () => {
    for (const c of commands) {
      expect(await run(admin, [c.name, 'granted', 'x']), true, c.name);
      expect(await run({ ...admin, admin: true, remote: false }, [c.name, 'other', 'x']), true, `${c.name} local`);
    }
  });

  it('leading global flags and the command\'s own options are authorized like the bare command', async () => {
    for (const c of commands) {
      for (const app of ['granted', 'other']) {
        const bare = await run(dev, [c.name, app, 'x']);
        for (const argv of [['--quiet', '--trace', '--force', c.name, app, 'x'], ['--app', app, c.name, 'x']]) {
          assert.deepEqual(await run(dev, argv), bare, argv.join(' '));
        }
        for (const option of c.options ?? []) {
          const words = option.endsWith('=') ? [option.slice(0, -1), 'json'] : [option];
          // --global and --all make any command server-wide: never for a non-admin key.
          const widening = option === '--global' || option === '--all';
          const want = widening && booted.registry.accessRule(c.name).who !== 'any' ? { ran: false, denied: true } : bare;
          assert.deepEqual(await run(dev, [c.name, ...words, app, 'x']), want, `${c.name} ${words.join(' ')} ${app}`);
        }
      }
    }
  });

  it('plugin commands: the app comes first; an admin-only family stays admin-only', async () => {
    const notCore = async (argv: string[]) => run(dev, argv).then((o) => o.denied);
    assert.equal(await notCore(['hello:world', 'granted']), false);
    assert.equal(await notCore(['hello:world', 'other']), true);
    assert.equal(await notCore(['acl:export', 'granted']), true);
    assert.equal(await notCore(['--app', 'granted', 'hello:world']), false);
    assert.equal(await notCore(['--app=other', 'hello:world']), true);
  });
});
