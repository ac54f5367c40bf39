// The SSH limits come from SLIPWAY_SSH_* variables: documented defaults, and a clear start-up
// error (not a silently disabled limit) for a value that is not a whole number in range.
import assert from 'node:assert/strict';
import { defaultSshLimits, loadSettings } from '../../src/settings.js';

describe('security: SSH limit settings', () => {
  it('defaults when unset or empty', () => {
    assert.deepEqual(loadSettings({}).sshLimits, defaultSshLimits);
    assert.deepEqual(loadSettings({ SLIPWAY_SSH_LOGIN_GRACE: '' }).sshLimits, defaultSshLimits);
  });

  it('reads every SLIPWAY_SSH_* limit', () => {
    const limits = loadSettings({
      SLIPWAY_SSH_LOGIN_GRACE: '2',
      SLIPWAY_SSH_MAX_AUTH_TRIES: '3',
      SLIPWAY_SSH_IDLE_TIMEOUT: '0',
      SLIPWAY_SSH_MAX_UNAUTHENTICATED: '40',
      SLIPWAY_SSH_MAX_UNAUTHENTICATED_PER_ADDRESS: '10',
      SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS: '5',
    }).sshLimits;
    assert.deepEqual(limits, { loginGraceSeconds: 2, maxAuthTries: 3, idleTimeoutSeconds: 0, maxUnauthenticated: 40, maxUnauthenticatedPerAddress: 10, maxConnectionsPerAddress: 5 });
  });

  for (const [name, value] of [
    ['SLIPWAY_SSH_LOGIN_GRACE', '0'],
    ['SLIPWAY_SSH_LOGIN_GRACE', '-1'],
    ['SLIPWAY_SSH_LOGIN_GRACE', '2s'],
    ['SLIPWAY_SSH_MAX_AUTH_TRIES', '1.5'],
    ['SLIPWAY_SSH_MAX_UNAUTHENTICATED', 'many'],
    ['SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS', '0'],
  ]) {
    it(`refuses ${name}=${value} at start-up`, () => {
      assert.throws(() => loadSettings({ [name]: value }), new RegExp(`${name} must be a whole number`));
    });
  }
});
