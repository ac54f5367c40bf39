// Lock files stay bounded: git verbs and commands naming apps that do not exist (or that are
// created and removed again) leave no lock file behind, so a key cannot fill lib/locks with junk
// names. And removing a lock file is safe: a locker that opened the removed file starts over,
// so two holders never coexist.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { acquireLock, tryLock } from '../../src/store/lock.js';
import { PushClient } from '../faults/push-client.js';

const ROUNDS = 15;

describe('security: lock files of apps that do not exist', function () {
  this.timeout(180_000);
  let server: TestServer;
  const locksDir = () => path.join(server.home, 'lib', 'locks');
  const lockFiles = () => (fs.existsSync(locksDir()) ? fs.readdirSync(locksDir()).sort() : []);
  /** Lock files naming an app (app-X.lock, deploy-X.lock), as opposed to server-wide ones. */
  const appLocks = () => lockFiles().filter((name) => /^(app|deploy)-/.test(name));

  before(async () => { server = await TestServer.start(); });
  after(async () => { await server?.stop(); });

  it('regression: git-receive-pack of a new name that stores nothing (`/etc`, `junkN`) leaves no app and no lock file', async () => {
    const before = appLocks();
    for (let i = 0; i < ROUNDS; i++) {
      const name = i === 0 ? '/etc' : `junk${i}`;
      // No input: receive-pack advertises, reads EOF, stores nothing; the app it created goes again.
      const r = await server.ssh([`git-receive-pack '${name}'`]);
      assert.match(r.stderr, /Creating (etc|junk\d+)\.\.\./);
    }
    assert.equal(fs.existsSync(path.join(server.home, 'home', 'etc')), false, 'the app created by the push is gone');
    assert.deepEqual(appLocks(), before);
  });

  it('git-upload-pack, config and ps commands on missing apps are refused and leave no lock file', async () => {
    const before = appLocks();
    for (let i = 0; i < ROUNDS; i++) {
      for (const args of [[`git-upload-pack 'ghost${i}'`], ['config:set', `ghost${i}`, 'A=1'], ['ps:stop', `ghost${i}`], ['apps:destroy', `ghost${i}`, '--force']]) {
        const r = await server.ssh(args);
        // Dokku's exit code for a missing app is 20.
        assert.equal(r.code, 20, args.join(' '));
        assert.match(r.stderr, /App ghost\d+ does not exist/);
      }
    }
    assert.deepEqual(appLocks(), before);
  });

  it('regression: apps:create then apps:destroy (and apps:rename) leave no lock file of the gone names', async () => {
    const before = appLocks();
    for (let i = 0; i < ROUNDS; i++) {
      assert.equal((await server.ssh(['apps:create', `temp${i}`])).code, 0);
      assert.equal((await server.ssh(['config:set', `temp${i}`, 'A=1'])).code, 0);
      assert.equal((await server.ssh(['apps:rename', `temp${i}`, `moved${i}`])).code, 0);
      const destroy = await server.ssh(['apps:destroy', `moved${i}`, '--force']);
      assert.equal(destroy.code, 0, destroy.stderr);
    }
    assert.deepEqual(appLocks(), before);
  });

  it('regression: a first push whose deploy fails keeps the app (10.6); destroying it leaves no lock files', async () => {
    const before = appLocks();
    const client = new PushClient(server, path.join(server.dir, 'work'));
    await client.init({ Procfile: 'web: node -e "process.exit(3)"\n' });
    for (let i = 0; i < 3; i++) {
      const push = await client.push(`failing${i}`);
      assert.notEqual(push.code, 0);
      assert.match(push.stderr, /exited with code 3/);
      assert.equal(fs.existsSync(path.join(server.home, 'home', `failing${i}`)), true);
      const destroy = await server.ssh(['apps:destroy', `failing${i}`, '--force']);
      assert.equal(destroy.code, 0, destroy.stderr);
    }
    assert.deepEqual(appLocks(), before);
  });

  it('the lock files of a live app stay while it exists', async () => {
    assert.equal((await server.ssh(['apps:create', 'keeper'])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', 'keeper', 'A=1'])).code, 0);
    assert.ok(appLocks().includes('app-keeper.lock'));
  });

  it('regression: a lock file removed by its holder is never held twice (a waiter on the old file starts over)', async () => {
    const file = path.join(server.dir, 'race.lock');
    const first = tryLock(file);
    assert.ok(first);
    // The waiter opened the file and polls flock on it.
    const waiter = acquireLock(file, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    first.remove();
    const second = await waiter;
    try {
      assert.ok(fs.existsSync(file), 'the waiter holds the file that now has the name');
      assert.equal(tryLock(file), null, 'nobody else gets the lock while the waiter holds it');
    } finally {
      second.release();
    }
    const third = tryLock(file);
    assert.ok(third, 'free again once released');
    third.release();
  });
});
