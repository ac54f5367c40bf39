// Pushes racing on one app, with the real git over OpenSSH against a real `slipway serve`: ten
// pushes of different commits at once, a push whose ref moved after git advertised it, and a
// push that arrives while the previous one's ref update is still in flight. Each push either
// deploys or is refused with a clear message, and whatever happens, the release the proxy serves
// is built from the commit the deploy branch points at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer } from '../helpers/server.js';
import { until } from '../helpers/ssh-client.js';
import { get } from '../deploy/helpers.js';
import { PushClient, appFiles, fsck, quarantineDirs, repoDir, serverRev } from './push-client.js';

const APP = 'busy';
const PUSHES = 10;
/** What a refused racer may say: our deploy lock or moved-ref messages, or git's own ref refusals. */
const REFUSED = /currently has a deploy lock in place|while this push was on its way; fetch and push again|cannot lock ref|failed to update ref|\(fetch first\)|non-fast-forward/;

describe('faults: concurrent pushes to one app', function () {
  this.timeout(180_000);
  let server: TestServer;
  let client: PushClient;
  let flags: string;

  const flag = (name: string) => path.join(flags, name);

  async function served(): Promise<string> {
    await until(() => /\(proxy\)/.test(server.output));
    const reply = await get(server.httpPort, `${APP}.localhost`);
    assert.equal(reply.status, 200, reply.body);
    return reply.body;
  }

  function releases(): { current: number | null; releases: Array<{ version: number; rev: string; status: string }> } {
    return JSON.parse(fs.readFileSync(path.join(server.home, 'lib', 'data', 'releases', APP, 'releases.json'), 'utf8')) as ReturnType<typeof releases>;
  }

  /** The deploy branch, the current release and what the proxy serves all name the same commit. */
  async function consistent(versions: Map<string, string>): Promise<string> {
    const final = await serverRev(server, APP);
    const index = releases();
    const current = index.releases.find((r) => r.version === index.current);
    assert.equal(current?.rev, final, 'the current release is built from the deploy branch');
    assert.equal(await served(), versions.get(final), 'the proxy serves the deploy branch');
    return final;
  }

  /** A clone of the app's current deploy branch with one new commit saying `version`. */
  async function cloneWith(name: string, version: string): Promise<{ dir: string; rev: string }> {
    const dir = path.join(server.dir, name);
    const clone = await client.git(['clone', '-q', client.url(APP), dir], server.dir);
    assert.equal(clone.code, 0, clone.stderr);
    return { dir, rev: await client.commit(appFiles(version), dir) };
  }

  before(async () => {
    server = await TestServer.start();
    flags = path.join(server.dir, 'flags');
    fs.mkdirSync(flags);
    assert.equal((await server.ssh(['apps:create', APP])).code, 0);
    assert.equal((await server.ssh(['config:set', '--no-restart', APP, 'DOKKU_WAIT_TO_RETIRE=0'])).code, 0);
    client = new PushClient(server, path.join(server.dir, 'work'));
    await client.init(appFiles('base'));
    const push = await client.push(APP);
    assert.equal(push.code, 0, push.stderr);
  });
  after(async () => { await server?.stop(); });

  it(`${PUSHES} pushes of different commits at once: each deploys or is refused clearly; the served release matches the final ref`, async () => {
    const versions = new Map<string, string>([[await serverRev(server, APP), 'base']]);
    const racers: Array<{ dir: string; rev: string }> = [];
    for (let i = 0; i < PUSHES; i++) {
      const racer = await cloneWith(`racer-${i}`, `racer-${i}`);
      versions.set(racer.rev, `racer-${i}`);
      racers.push(racer);
    }
    const results = await Promise.all(racers.map((r) => client.push(APP, 'main', r.dir)));
    const landed: string[] = [];
    results.forEach((result, i) => {
      if (result.code === 0) landed.push(racers[i].rev);
      else assert.match(result.stderr, REFUSED, `push ${i} failed without a clear reason:\n${result.stderr}`);
    });
    // All are children of the same commit: once one lands, every other one is stale.
    assert.equal(landed.length, 1, results.map((r) => r.stderr).join('\n----\n'));
    const final = await consistent(versions);
    assert.equal(final, landed[0]);
    assert.equal((await fsck(server, APP)).code, 0);
    assert.deepEqual(quarantineDirs(server, APP), []);

    // Nothing is left locked: a fast-forward on top of the winner deploys.
    const next = await cloneWith('after-race', 'after-race');
    versions.set(next.rev, 'after-race');
    const push = await client.push(APP, 'main', next.dir);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(await consistent(versions), next.rev);
  });

  it('regression: a push whose ref moved after git advertised it is refused before it builds', async () => {
    // B's ssh holds back B's commands until `go` exists, and marks when B got the advertisement.
    const wrapper = path.join(server.dir, 'held-ssh.sh');
    fs.writeFileSync(wrapper, [
      '#!/bin/sh',
      `{ i=0; while [ ! -e ${flag('go')} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; exec cat; } |`,
      `  ${client.env.GIT_SSH_COMMAND} "$@" |`,
      `  { dd bs=1 count=1 2>/dev/null; touch ${flag('advertised')}; exec cat; }`,
    ].join('\n'), { mode: 0o755 });
    const versions = new Map<string, string>([[await serverRev(server, APP), 'after-race']]);
    const a = await cloneWith('moved-a', 'moved-a');
    const b = await cloneWith('moved-b', 'moved-b');
    versions.set(a.rev, 'moved-a').set(b.rev, 'moved-b');

    const slow = client.git(['push', client.url(APP), 'main'], b.dir, { ...client.env, GIT_SSH_COMMAND: wrapper, GIT_SSH_VARIANT: 'ssh' });
    await until(() => fs.existsSync(flag('advertised')));
    const first = await client.push(APP, 'main', a.dir);
    assert.equal(first.code, 0, first.stderr);
    fs.writeFileSync(flag('go'), '');
    const second = await slow;

    assert.notEqual(second.code, 0, 'the stale push is refused');
    assert.match(second.stderr, /main of busy moved to [0-9a-f]{7} while this push was on its way; fetch and push again/);
    assert.doesNotMatch(second.stderr, /Building busy/, 'nothing was built for the stale push');
    assert.equal(releases().releases.some((r) => r.rev === b.rev), false, 'no release of the stale commit');
    assert.equal(await consistent(versions), a.rev);
  });

  it('regression: the deploy lock is held until git has moved the ref', async () => {
    // A's ref update waits (reference-transaction hook, state `prepared`) while `hold` exists.
    const hook = path.join(repoDir(server, APP), 'hooks', 'reference-transaction');
    fs.writeFileSync(hook, [
      '#!/bin/sh',
      'cat >/dev/null',
      `[ "$1" = prepared ] && [ -e ${flag('hold')} ] || exit 0`,
      `touch ${flag('held')}`,
      `i=0; while [ -e ${flag('hold')} ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done`,
      'exit 0',
    ].join('\n'), { mode: 0o755 });
    try {
      const versions = new Map<string, string>([[await serverRev(server, APP), 'moved-a']]);
      const a = await cloneWith('landing-a', 'landing-a');
      const b = await cloneWith('landing-b', 'landing-b');
      versions.set(a.rev, 'landing-a').set(b.rev, 'landing-b');
      fs.writeFileSync(flag('hold'), '');
      const first = client.push(APP, 'main', a.dir);
      await until(() => fs.existsSync(flag('held')));
      // A deployed and git is moving its ref: B must not deploy in between.
      const second = await client.push(APP, 'main', b.dir);
      fs.rmSync(flag('hold'));
      const landed = await first;
      assert.equal(landed.code, 0, landed.stderr);
      assert.notEqual(second.code, 0);
      // Dokku's two lines for a busy deploy lock, as the pusher sees them.
      assert.match(second.stderr, /remote: +! +busy currently has a deploy lock in place\. Exiting\.\.\. *\n/);
      assert.match(second.stderr, /remote: +! +Run 'apps:unlock' to release the existing deploy lock/);
      assert.equal(releases().releases.some((r) => r.rev === b.rev), false, 'no release of the refused commit');
      assert.equal(await consistent(versions), a.rev);
    } finally {
      fs.rmSync(flag('hold'), { force: true });
      fs.rmSync(hook, { force: true });
    }
  });
});
