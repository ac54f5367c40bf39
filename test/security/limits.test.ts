// Limits of the SSH door over real TCP: authentication attempts, the login grace, the idle
// timeout, per-address caps, and floods of silent connections that must not lock out a real
// OpenSSH client coming from the same address.
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import { TestServer } from '../helpers/server.js';
import { closed, connect, connectWith, exec, isClosed, loadKey, silentSockets, tryAuth, until } from '../helpers/ssh-client.js';
import { commandPlugin, installPlugin } from '../helpers/fixtures.js';

describe('security: SSH limits', function () {
  this.timeout(60_000);

  describe('timeouts and attempts (SLIPWAY_SSH_LOGIN_GRACE=2, SLIPWAY_SSH_IDLE_TIMEOUT=2, SLIPWAY_SSH_MAX_AUTH_TRIES=4)', () => {
    let server: TestServer;
    before(async () => {
      server = await TestServer.start({ env: { SLIPWAY_SSH_LOGIN_GRACE: '2', SLIPWAY_SSH_IDLE_TIMEOUT: '2', SLIPWAY_SSH_MAX_AUTH_TRIES: '4' } });
      installPlugin(server.home, 'slow', { commands: commandPlugin('slow:run', '    sleep 4; echo done') });
    });
    after(async () => { await server?.stop(); });

    it('closes the connection after SLIPWAY_SSH_MAX_AUTH_TRIES failed attempts', async () => {
      const steps = Array.from({ length: 20 }, (_, i) => ({ type: 'password' as const, username: 'dokku', password: `guess-${i}` }));
      const run = await tryAuth(server.sshPort, steps);
      assert.equal(run.authenticated, false);
      assert.ok(run.stepsSent <= 5, `the server hung up after ${run.stepsSent} attempts`);
      assert.match(server.output, /more than 4 authentication attempts; closing/);
    });

    it('a client that fails the allowed attempts cannot then log in on the same connection with a good key', async () => {
      const admin = loadKey(server.admin.privateKey);
      const steps = [
        ...Array.from({ length: 4 }, () => ({ type: 'none' as const, username: 'dokku' })),
        { type: 'publickey' as const, username: 'dokku', key: admin },
      ];
      const run = await tryAuth(server.sshPort, steps);
      assert.equal(run.authenticated, false);
    });

    // Regression: ssh2 reports a client only after its ident line, so silent sockets had no timer at all.
    it('regression: closes a TCP connection that sends nothing once the login grace has passed', async () => {
      const [socket] = await silentSockets(server.sshPort, 1);
      await until(() => isClosed(socket));
      assert.match(server.output, /login grace time expired/);
    });

    it('closes a connection that finished the handshake but never authenticates', async () => {
      const client = new ssh2.Client();
      client.on('error', () => { /* closed by the server: expected */ });
      const gone = closed(client);
      // authHandler never answers: the client sits in the auth phase forever.
      client.connect({ host: '127.0.0.1', port: server.sshPort, username: 'dokku', hostVerifier: () => true, authHandler: () => undefined });
      await gone;
    });

    it('closes a logged-in connection that opens no session after the idle timeout', async () => {
      const client = await connect(server.sshPort, loadKey(server.admin.privateKey));
      await closed(client);
      assert.match(server.output, /idle for 2s with no session; closing/);
    });

    it('does not cut a running command that lasts longer than the idle timeout', async () => {
      const client = await connect(server.sshPort, loadKey(server.admin.privateKey));
      try {
        const r = await exec(client, 'slow:run');
        assert.deepEqual([r.code, r.stdout.toString()], [0, 'done\n']);
      } finally {
        client.end();
      }
    });
  });

  describe('caps (SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS=3, SLIPWAY_SSH_MAX_UNAUTHENTICATED_PER_ADDRESS=20)', () => {
    let server: TestServer;
    before(async () => {
      server = await TestServer.start({ env: { SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS: '3', SLIPWAY_SSH_MAX_UNAUTHENTICATED_PER_ADDRESS: '20' } });
    });
    after(async () => { await server?.stop(); });

    it('refuses a 4th logged-in connection from one address and accepts again when one closes', async () => {
      const admin = loadKey(server.admin.privateKey);
      const clients = [await connect(server.sshPort, admin), await connect(server.sshPort, admin), await connect(server.sshPort, admin)];
      try {
        const fourth = await tryAuth(server.sshPort, [{ type: 'publickey', username: 'dokku', key: admin }]);
        assert.equal(fourth.authenticated, false);
        assert.match(server.output, /SLIPWAY_SSH_MAX_CONNECTIONS_PER_ADDRESS/);
        const gone = closed(clients[0]);
        clients[0].end();
        await gone;
        const again = await connect(server.sshPort, admin);
        assert.equal((await exec(again, 'version')).code, 0);
        clients[0] = again;
      } finally {
        for (const c of clients) c.end();
      }
    });

    it('evicts the oldest silent connections beyond the per-address cap and keeps the newest', async () => {
      const sockets = await silentSockets(server.sshPort, 30);
      try {
        await until(() => sockets.filter(isClosed).length >= 10);
        assert.ok(sockets.slice(0, 10).every(isClosed), 'the 10 oldest were evicted');
        assert.ok(sockets.slice(10).every((s) => !isClosed(s)), 'the 20 newest are still open');
        const r = await server.ssh(['version']);
        assert.equal(r.code, 0, r.stderr);
      } finally {
        for (const s of sockets) s.destroy();
      }
    });
  });

  describe('floods (default limits)', () => {
    let server: TestServer;
    before(async () => { server = await TestServer.start(); });
    after(async () => { await server?.stop(); });

    for (const [label, greeting] of [['send nothing', undefined], ['send an SSH ident line and stop', 'SSH-2.0-flood\r\n']] as const) {
      // Regression: 64 connections per address counted unauthenticated ones, so 65 idents locked everyone out.
      it(`regression: 200 half-open connections that ${label} do not stop a real OpenSSH client`, async () => {
        const sockets = await silentSockets(server.sshPort, 200, greeting);
        try {
          const r = await server.ssh(['hello:world']);
          assert.deepEqual([r.code, r.stdout], [0, 'Hello world'], r.stderr);
          const admin = loadKey(server.admin.privateKey);
          const client = await connectWith(server.sshPort, [{ type: 'publickey', username: 'dokku', key: admin }]);
          assert.equal((await exec(client, 'hello:world')).stdout.toString(), 'Hello world\n');
          client.end();
        } finally {
          for (const s of sockets) s.destroy();
        }
      });
    }
  });
});
