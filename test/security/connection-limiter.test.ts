// The SSH connection limiter on its own, with fake sockets: which connection is evicted when a
// cap is reached, and when a login is refused. (The same policy over real TCP: limits.test.ts.)
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { ConnectionLimiter, type ConnectionLimits } from '../../src/ssh/limits.js';

class FakeSocket extends EventEmitter {
  destroyed = false;
  constructor(readonly remoteAddress: string, readonly remotePort: number) { super(); }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

const limits: ConnectionLimits = { loginGraceSeconds: 3600, maxUnauthenticated: 6, maxUnauthenticatedPerAddress: 4, maxConnectionsPerAddress: 2 };

describe('security: SSH connection limiter (unit)', () => {
  let port = 1000;
  let logged: string[];
  let limiter: ConnectionLimiter;
  const open = (address: string): FakeSocket => {
    const socket = new FakeSocket(address, port++);
    limiter.admit(socket);
    return socket;
  };

  beforeEach(() => {
    logged = [];
    limiter = new ConnectionLimiter(limits, (line) => logged.push(line));
  });

  it('evicts the oldest unauthenticated connection of an address over its cap, never the newest', () => {
    const sockets = Array.from({ length: 7 }, () => open('10.0.0.1'));
    assert.deepEqual(sockets.map((s) => s.destroyed), [true, true, true, false, false, false, false]);
    assert.equal(limiter.unauthenticatedCount, 4);
    assert.match(logged[0], /closing unauthenticated connection from 10\.0\.0\.1: more than 4/);
  });

  it('when the total cap is reached, the busiest address loses its oldest connection, not a quiet one', () => {
    const quiet = [open('10.0.0.2'), open('10.0.0.3')];
    const flood = Array.from({ length: 4 }, () => open('10.0.0.9'));
    const newcomer = open('10.0.0.4');
    assert.equal(flood[0].destroyed, true);
    assert.deepEqual([...quiet, newcomer].map((s) => s.destroyed), [false, false, false]);
    assert.equal(limiter.unauthenticatedCount, 6);
  });

  it('a logged-in connection no longer counts against the unauthenticated caps and is never evicted', () => {
    const first = open('10.0.0.1');
    assert.equal(limiter.authenticate(first.remoteAddress, first.remotePort), true);
    const rest = Array.from({ length: 10 }, () => open('10.0.0.1'));
    assert.equal(first.destroyed, false);
    assert.equal(rest.filter((s) => !s.destroyed).length, 4);
  });

  it('refuses a login beyond maxConnectionsPerAddress and accepts again once one closes', () => {
    const [a, b, c] = [open('10.0.0.1'), open('10.0.0.1'), open('10.0.0.1')];
    assert.equal(limiter.authenticate(a.remoteAddress, a.remotePort), true);
    assert.equal(limiter.authenticate(b.remoteAddress, b.remotePort), true);
    assert.equal(limiter.authenticate(c.remoteAddress, c.remotePort), false);
    assert.match(logged.at(-1) ?? '', /SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS/);
    a.destroy();
    assert.equal(limiter.authenticate(c.remoteAddress, c.remotePort), true);
  });

  it('an evicted or closed connection cannot log in afterwards', () => {
    const sockets = Array.from({ length: 5 }, () => open('10.0.0.1'));
    assert.equal(limiter.authenticate(sockets[0].remoteAddress, sockets[0].remotePort), false);
    sockets[4].destroy();
    assert.equal(limiter.authenticate(sockets[4].remoteAddress, sockets[4].remotePort), false);
  });

  it('the login grace closes a connection that never logs in', async () => {
    limiter = new ConnectionLimiter({ ...limits, loginGraceSeconds: 0.05 }, (line) => logged.push(line));
    const socket = open('10.0.0.1');
    await new Promise((resolve) => socket.once('close', resolve));
    assert.match(logged[0], /login grace time expired/);
  });

  it('closeUnauthenticated drops pending connections and keeps logged-in ones', () => {
    const [a, b] = [open('10.0.0.1'), open('10.0.0.1')];
    limiter.authenticate(a.remoteAddress, a.remotePort);
    limiter.closeUnauthenticated();
    assert.deepEqual([a.destroyed, b.destroyed], [false, true]);
  });
});
