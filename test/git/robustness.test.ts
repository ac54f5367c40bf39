// Pushes that die or race: a client killed mid-pack leaves refs unchanged and the repo fsck-clean,
// simultaneous pushes to different apps both land, racing pushes to one ref never corrupt it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { GitTestServer } from './helpers.js';
import { FakeDeployer } from './fake-deployer.js';

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function quarantineDirs(repo: string): string[] {
  return fs.readdirSync(path.join(repo, 'objects')).filter((name) => name.startsWith('tmp_objdir-incoming-') || name.startsWith('incoming-'));
}

async function fsck(repo: string): Promise<{ code: number; output: string }> {
  const r = await execa('git', ['--git-dir', repo, 'fsck', '--no-progress', '--full', '--strict'], { reject: false, all: true });
  return { code: r.exitCode ?? -1, output: r.all ?? '' };
}

describe('git pushes that die or race', function () {
  this.timeout(180_000);
  let server: GitTestServer;
  const deployer = new FakeDeployer();

  before(async () => { server = await GitTestServer.start(deployer); });
  after(async () => { await server?.stop(); });

  it('a push killed mid-transfer leaves the ref unchanged and git fsck clean; the next push lands', async () => {
    const work = await server.workTree({ 'README.md': 'small\n' });
    await server.mustGit(work, ['push', server.sshUrl('bigapp'), 'main']);
    const before = await server.serverRev('bigapp');
    const big = await server.commit(work, { 'blob.bin': randomBytes(30 * 1024 * 1024) });
    const repo = server.repoDir('bigapp');

    // Its own process group, so git, ssh and pack-objects all die together, as with a real ^C.
    const push = execa('git', ['push', server.sshUrl('bigapp'), 'main'], {
      cwd: work, env: server.gitEnv(), extendEnv: false, reject: false, detached: true,
    });
    // The quarantine dir appears once receive-pack starts taking the pack.
    await waitFor('the pack transfer to start', () => quarantineDirs(repo).length > 0 || push.exitCode !== null);
    assert.equal(push.exitCode, null, 'the push was still running when killed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.kill(-push.pid!, 'SIGKILL');
    const killed = await push;
    assert.notEqual(killed.exitCode, 0);

    // The server kills receive-pack's group; git removes its quarantine on SIGTERM.
    await waitFor('the quarantine dir to be removed', () => quarantineDirs(repo).length === 0);
    assert.equal(await server.serverRev('bigapp'), before);
    assert.equal(deployer.forApp('bigapp').some((d) => d.push.newRev === big), false, 'nothing deployed the killed push');
    const check = await fsck(repo);
    assert.equal(check.code, 0, check.output);
    assert.doesNotMatch(check.output, /error|missing|broken|corrupt/i);

    const again = await server.git(work, ['push', server.sshUrl('bigapp'), 'main']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await server.serverRev('bigapp'), big);
    assert.equal((await fsck(repo)).code, 0);
  });

  it('a client killed while its deploy runs: the deploy is aborted and the ref does not move', async () => {
    const work = await server.workTree({ 'README.md': 'one\n' });
    await server.mustGit(work, ['push', server.sshUrl('slowapp'), 'main']);
    const before = await server.serverRev('slowapp');
    const next = await server.commit(work, { 'README.md': 'two\n' });
    deployer.delayMs = 4000;
    try {
      const push = execa('git', ['push', server.sshUrl('slowapp'), 'main'], {
        cwd: work, env: server.gitEnv(), extendEnv: false, reject: false, detached: true,
      });
      await waitFor('the deploy to start', () => deployer.forApp('slowapp').some((d) => d.push.newRev === next));
      process.kill(-push.pid!, 'SIGKILL');
      await push;
      const record = deployer.forApp('slowapp').find((d) => d.push.newRev === next)!;
      await waitFor('the deploy to finish', () => record.aborted !== undefined);
      assert.equal(record.aborted, true, 'the deploy saw its signal aborted');
    } finally {
      deployer.delayMs = 0;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await server.serverRev('slowapp'), before);
    assert.equal((await fsck(server.repoDir('slowapp'))).code, 0);
  });

  it('two simultaneous pushes to different apps both succeed', async () => {
    const a = await server.workTree({ 'a.txt': 'a\n' });
    const b = await server.workTree({ 'b.txt': 'b\n' });
    deployer.delayMs = 300;
    try {
      const [ra, rb] = await Promise.all([
        server.git(a, ['push', server.sshUrl('race-a'), 'main']),
        server.git(b, ['push', server.sshUrl('race-b'), 'main']),
      ]);
      assert.equal(ra.code, 0, ra.stderr);
      assert.equal(rb.code, 0, rb.stderr);
      assert.match(ra.stderr, /remote: -----> Released/);
      assert.match(rb.stderr, /remote: -----> Released/);
    } finally {
      deployer.delayMs = 0;
    }
    assert.equal(await server.serverRev('race-a'), (await server.mustGit(a, ['rev-parse', 'HEAD'])).stdout.trim());
    assert.equal(await server.serverRev('race-b'), (await server.mustGit(b, ['rev-parse', 'HEAD'])).stdout.trim());
  });

  it('two pushes racing on one ref: exactly one lands, the other is refused, the repo stays clean', async () => {
    const base = await server.workTree({ 'base.txt': 'base\n' });
    await server.mustGit(base, ['push', server.sshUrl('contest'), 'main']);
    const one = path.join(server.dir, 'contest-one');
    const two = path.join(server.dir, 'contest-two');
    await server.mustGit(server.dir, ['clone', '-q', server.sshUrl('contest'), one]);
    await server.mustGit(server.dir, ['clone', '-q', server.sshUrl('contest'), two]);
    const revOne = await server.commit(one, { 'one.txt': '1\n' });
    const revTwo = await server.commit(two, { 'two.txt': '2\n' });
    deployer.delayMs = 500;
    let results;
    try {
      results = await Promise.all([
        server.git(one, ['push', 'origin', 'main']),
        server.git(two, ['push', 'origin', 'main']),
      ]);
    } finally {
      deployer.delayMs = 0;
    }
    const winners = results.filter((r) => r.code === 0);
    assert.equal(winners.length, 1, results.map((r) => r.stderr).join('\n----\n'));
    const final = await server.serverRev('contest');
    assert.ok(final === revOne || final === revTwo);
    assert.equal((await fsck(server.repoDir('contest'))).code, 0);
  });
});
