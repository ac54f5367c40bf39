// Forwarded commands get the caller's relative paths made absolute (the server's folder differs).
import assert from 'node:assert/strict';
import { withAbsolutePaths } from '../../src/cli/paths.js';

describe('withAbsolutePaths', function () {
  it('makes the key file of ssh-keys:add absolute, after global and command flags', function () {
    assert.deepEqual(withAbsolutePaths(['ssh-keys:add', 'me', 'k.pub'], '/home/op'), ['ssh-keys:add', 'me', '/home/op/k.pub']);
    assert.deepEqual(withAbsolutePaths(['--quiet', 'ssh-keys:add', '--admin', 'me', '../k.pub'], '/home/op'),
      ['--quiet', 'ssh-keys:add', '--admin', 'me', '/home/k.pub']);
  });

  it('leaves stdin (-), absolute paths and every other command alone', function () {
    assert.deepEqual(withAbsolutePaths(['ssh-keys:add', 'me', '-'], '/x'), ['ssh-keys:add', 'me', '-']);
    assert.deepEqual(withAbsolutePaths(['ssh-keys:add', 'me'], '/x'), ['ssh-keys:add', 'me']);
    assert.deepEqual(withAbsolutePaths(['ssh-keys:add', 'me', '/k.pub'], '/x'), ['ssh-keys:add', 'me', '/k.pub']);
    assert.deepEqual(withAbsolutePaths(['config:set', 'app', 'A=b'], '/x'), ['config:set', 'app', 'A=b']);
    assert.deepEqual(withAbsolutePaths(['--app'], '/x'), ['--app']);
  });
});
