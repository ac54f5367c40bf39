// What plugin:install makes of its argument: the kind of source, the default name, and the
// refusals that keep option-looking or relative input away from git and the filesystem.
import assert from 'node:assert/strict';
import { nameFromSource, parseCommittish, parseSource } from '../../src/plugins/fetch.js';
import { checkPluginName } from '../../src/plugins/validate.js';

describe('plugin sources', () => {
  it('classifies git URLs, file URLs, paths and tarballs', () => {
    assert.deepEqual(parseSource('https://github.com/dokku/dokku-postgres.git'), { kind: 'git', location: 'https://github.com/dokku/dokku-postgres.git' });
    assert.deepEqual(parseSource('git@github.com:dokku/dokku-redis.git'), { kind: 'git', location: 'git@github.com:dokku/dokku-redis.git' });
    assert.deepEqual(parseSource('ssh://git@example.com/x.git'), { kind: 'git', location: 'ssh://git@example.com/x.git' });
    assert.deepEqual(parseSource('https://example.com/p/plugin-1.0.tar.gz'), { kind: 'tar', location: 'https://example.com/p/plugin-1.0.tar.gz', remote: true });
    assert.deepEqual(parseSource('file:///srv/plugins/notes.tgz'), { kind: 'tar', location: '/srv/plugins/notes.tgz', remote: false });
    assert.deepEqual(parseSource('/does/not/exist'), { kind: 'git', location: '/does/not/exist' });
  });

  it('refuses relative paths, options and other transports', () => {
    for (const bad of ['relative/path', '-uhack', '--upload-pack=x', 'ext::sh -c id', 'fd::3', '', 'a\nb']) {
      assert.throws(() => parseSource(bad), /Invalid plugin source|must be a git URL/, bad);
    }
  });

  it('names a plugin the way Dokku does', () => {
    assert.equal(nameFromSource('https://github.com/dokku/dokku-postgres.git'), 'postgres');
    assert.equal(nameFromSource('git@github.com:dokku/dokku-redis.git'), 'redis');
    assert.equal(nameFromSource('file:///tmp/repos/notes/'), 'notes');
    assert.equal(nameFromSource('/srv/greet.tar.gz'), 'greet');
  });

  it('accepts refs and names that cannot be options or paths', () => {
    assert.equal(parseCommittish('v1.2.3'), 'v1.2.3');
    assert.equal(parseCommittish('feature/x'), 'feature/x');
    for (const bad of ['-b', '--orphan', 'a..b', 'a b', '']) assert.throws(() => parseCommittish(bad), /Invalid committish/, bad);
    const taken = (n: string) => n === 'apps';
    assert.equal(checkPluginName('my_plugin-2', taken), 'my_plugin-2');
    for (const bad of ['apps', 'Up', '.hidden', 'a.b', '-x', '../x']) assert.throws(() => checkPluginName(bad, taken), bad);
  });
});
