// The one "is this path inside root" answer (src/os/inside.ts), used by the git hook and both archive extractors.
import assert from 'node:assert/strict';
import { isInside } from '../../src/os/inside.js';

describe('os/inside', () => {
  it('root itself and paths below it are inside; parents, siblings and look-alikes are not', () => {
    assert.equal(isInside('/srv/app', '/srv/app'), true);
    assert.equal(isInside('/srv/app', '/srv/app/a/b'), true);
    assert.equal(isInside('/srv/app/', '/srv/app/a/../b'), true);
    assert.equal(isInside('/srv/app', '/srv/app/..foo'), true, 'a name that starts with .. is still a child');
    assert.equal(isInside('/srv/app', '/srv'), false);
    assert.equal(isInside('/srv/app', '/srv/app-2/x'), false);
    assert.equal(isInside('/srv/app', '/srv/app/a/../../etc'), false);
    assert.equal(isInside('/srv/app', '/etc/passwd'), false);
  });
});
