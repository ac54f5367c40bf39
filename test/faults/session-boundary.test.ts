// 10.1: an error nothing catches inside one SSH session (an exception thrown from a timer, a
// rejection nobody handles, a stream error with no listener) ends that session with one line and
// exit status 1; the server and the other sessions keep going.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { TestServer, sshOptions } from '../helpers/server.js';
import { until } from '../helpers/ssh-client.js';
import { alive, commandPlugin, installPlugin } from '../helpers/fixtures.js';

describe('10.1 faults: one session\'s unexpected error never stops the server', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => {
    // SLIPWAY_TEST_FAULTS=1 lets the exec line `__fault KIND` inject the error (test-only switch).
    server = await TestServer.start({ env: { SLIPWAY_TEST_FAULTS: '1' } });
    installPlugin(server.home, 'echoer', { commands: commandPlugin('echoer:cat', '    echo ready\n    exec cat') });
  });
  after(async () => { await server?.stop(); });

  it('10.1 a thrown exception, an unhandled rejection and a stream error end only their own session', async () => {
    // Another client's session, open the whole time: it must keep working.
    const other = spawn('ssh', [...sshOptions(server.sshPort, server.admin), 'dokku@127.0.0.1', 'echoer:cat'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let echoed = '';
    other.stdout.on('data', (chunk: Buffer) => { echoed += chunk.toString(); });
    other.stderr.resume();
    const otherExit = new Promise<number | null>((resolve) => other.once('exit', (code) => resolve(code)));
    await until(() => echoed.includes('ready'));

    for (const kind of ['throw', 'reject', 'stream']) {
      const r = await server.ssh(['__fault', kind]);
      assert.equal(r.code, 1, `${kind}: ${r.stderr}`);
      assert.equal(r.stderr.trim(), '!     internal error', `${kind}: one line on stderr`);
      assert.ok(alive(server.pid!), `the server exited after '${kind}':\n${server.output.slice(-3000)}`);
      assert.match(server.output, new RegExp(`in session ssh admin@127\\.0\\.0\\.1 __fault ${kind}`), 'the server log names the session');
    }

    other.stdin.write('still here\n');
    await until(() => echoed.includes('still here'));
    other.stdin.end();
    assert.equal(await otherExit, 0);

    const version = await server.ssh(['version']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /dokku version/);
  });
});
