// Unit tests for the git layer's parsers: repo arguments, refs, push options, quarantine
// variables, basic auth and the hook's stdin.
import assert from 'node:assert/strict';
import { parseRepoArg } from '../../src/git/repo-name.js';
import { isValidBranchName, parseRefUpdate, parsePushOption } from '../../src/git/refs.js';
import { quarantineEnv, pushOptions } from '../../src/git/hook.js';
import { hookGitEnv } from '../../src/git/hook-env.js';
import { parseHookInput } from '../../src/git/hook-client.js';
import { hashToken, newToken, parseBasicAuth, parseTokenName } from '../../src/git/tokens.js';
import { hookShim } from '../../src/git/repo.js';

const A = 'a'.repeat(40);
const Z = '0'.repeat(40);

describe('git parsers', () => {
  it('parseRepoArg strips one leading / and one .git suffix', () => {
    assert.equal(parseRepoArg('myapp'), 'myapp');
    assert.equal(parseRepoArg('/myapp'), 'myapp');
    assert.equal(parseRepoArg('myapp.git'), 'myapp');
    assert.equal(parseRepoArg('/myapp.git'), 'myapp');
    assert.equal(parseRepoArg('my.app.git.git'), 'my.app.git');
  });

  for (const bad of ['../other', '/abs/path', 'app/../x', '-app', '//x', 'a/b', 'A', '', '.git', 'x\0y', 'a b', '..', '~root']) {
    it(`parseRepoArg refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseRepoArg(bad), (e: Error & { code?: string }) => e.code === 'E_INVALID_APP_NAME' || e.code === 'E_APP_REQUIRED');
    });
  }

  it('branch names: git rules plus no leading - and a small charset', () => {
    for (const ok of ['main', 'feature/x', 'v1.2', 'release-2024', 'a_b', 'user@host']) assert.ok(isValidBranchName(ok), ok);
    for (const bad of ['-x', 'a/-x', '.x', 'a/.x', 'a..b', 'a//b', 'a/', 'x.lock', 'a;b', 'a b', 'a$b', 'a`b', 'a\nb', 'a~1', 'a^', 'a:b', 'a@{1}', '']) {
      assert.ok(!isValidBranchName(bad), bad);
    }
  });

  it('parseRefUpdate accepts heads and tags, flags deletions, refuses the rest', () => {
    assert.deepEqual(parseRefUpdate(Z, A, 'refs/heads/main'), { oldRev: Z, newRev: A, ref: 'refs/heads/main', kind: 'branch', name: 'main', deletion: false });
    assert.equal(parseRefUpdate(A, Z, 'refs/tags/v1').deletion, true);
    assert.equal(parseRefUpdate(A, 'b'.repeat(64), 'refs/heads/x').newRev.length, 64);
    for (const ref of ['refs/heads/-x', 'refs/notes/commits', 'HEAD', 'refs/heads/', 'refs/heads/a;b', '-refs/heads/x']) {
      assert.throws(() => parseRefUpdate(Z, A, ref), /Refusing ref/, ref);
    }
    assert.throws(() => parseRefUpdate('xyz', A, 'refs/heads/main'), /Invalid revision/);
    assert.throws(() => parseRefUpdate(Z, `${A}\n`, 'refs/heads/main'), /Invalid revision/);
  });

  it('push options: plain values only', () => {
    assert.equal(parsePushOption('ci.skip'), 'ci.skip');
    assert.equal(parsePushOption('deploy=now'), 'deploy=now');
    for (const bad of ['-x', '--exec=x', 'a b', 'a;b', '$(id)', '']) assert.throws(() => parsePushOption(bad), /Refusing push option/, bad);
    assert.deepEqual(pushOptions({ GIT_PUSH_OPTION_COUNT: '2', GIT_PUSH_OPTION_0: 'a', GIT_PUSH_OPTION_1: 'b=c' }), ['a', 'b=c']);
    assert.throws(() => pushOptions({ GIT_PUSH_OPTION_COUNT: '1', GIT_PUSH_OPTION_0: '-a' }));
    assert.throws(() => pushOptions({ GIT_PUSH_OPTION_COUNT: 'x' }));
  });

  it('quarantineEnv keeps only paths inside the repo objects dir, normalised', () => {
    const repo = '/data/home/app';
    assert.deepEqual(quarantineEnv({
      GIT_QUARANTINE_PATH: '/data/home/app/./objects/tmp_objdir-incoming-X',
      GIT_OBJECT_DIRECTORY: '/data/home/app/./objects/tmp_objdir-incoming-X',
      GIT_ALTERNATE_OBJECT_DIRECTORIES: '/data/home/app/./objects',
      LD_PRELOAD: '/evil.so',
    }, repo), {
      GIT_QUARANTINE_PATH: '/data/home/app/objects/tmp_objdir-incoming-X',
      GIT_OBJECT_DIRECTORY: '/data/home/app/objects/tmp_objdir-incoming-X',
      GIT_ALTERNATE_OBJECT_DIRECTORIES: '/data/home/app/objects',
    });
    assert.throws(() => quarantineEnv({ GIT_OBJECT_DIRECTORY: '/data/home/other/objects' }, repo), /not inside/);
    assert.throws(() => quarantineEnv({ GIT_ALTERNATE_OBJECT_DIRECTORIES: '/data/home/app/objects:/etc' }, repo), /not inside/);
    assert.throws(() => quarantineEnv({ GIT_QUARANTINE_PATH: '/data/home/app/objects/../../x' }, repo), /not inside/);
  });

  it('the hook forwards only quarantine variables and push options', () => {
    assert.deepEqual(hookGitEnv({
      GIT_QUARANTINE_PATH: 'q', GIT_OBJECT_DIRECTORY: 'o', GIT_ALTERNATE_OBJECT_DIRECTORIES: 'a',
      GIT_PUSH_OPTION_COUNT: '1', GIT_PUSH_OPTION_0: 'x', GIT_PUSH_OPTION_1: 'ignored', GIT_DIR: '.', PATH: '/bin', SLIPWAY_PUSH_ID: 'id',
    }), { GIT_QUARANTINE_PATH: 'q', GIT_OBJECT_DIRECTORY: 'o', GIT_ALTERNATE_OBJECT_DIRECTORIES: 'a', GIT_PUSH_OPTION_COUNT: '1', GIT_PUSH_OPTION_0: 'x' });
    assert.deepEqual(parseHookInput(`${Z} ${A} refs/heads/main\n\n${A} ${Z} refs/tags/v1\n`), [
      { oldRev: Z, newRev: A, ref: 'refs/heads/main' }, { oldRev: A, newRev: Z, ref: 'refs/tags/v1' },
    ]);
  });

  it('hook shims quote their paths', () => {
    assert.equal(hookShim("/opt/it's", '/usr/bin/node'), "#!/bin/sh\nexec '/usr/bin/node' '/opt/it'\\''s/dist/src/cli.js' __hook pre-receive\n");
  });

  it('tokens: random, hashed, basic auth parsed', () => {
    const a = newToken();
    assert.notEqual(a, newToken());
    assert.match(hashToken(a), /^[0-9a-f]{64}$/);
    assert.deepEqual(parseBasicAuth(`Basic ${Buffer.from('ci:pa:ss').toString('base64')}`), { user: 'ci', password: 'pa:ss' });
    assert.equal(parseBasicAuth('Bearer x'), undefined);
    assert.equal(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`), undefined);
    assert.equal(parseTokenName('ci-bot.1'), 'ci-bot.1');
    assert.equal(parseTokenName('Dev@laptop'), 'Dev@laptop');
    for (const bad of ['-x', 'a b', 'a"b', '', 'a:b', 'a/b', "a'b"]) assert.throws(() => parseTokenName(bad), bad);
  });
});
