// What a logged-in client may ask of a session besides exec: its environment never reaches
// plugins (OpenSSH SetEnv and ssh2 env requests), and sftp, port forwarding (-L, -R, -W),
// unix-socket forwarding, X11 and agent forwarding are all refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Client } from 'ssh2';
import { TestServer } from '../helpers/server.js';
import { ScriptedAgent, connect, exec, loadKey } from '../helpers/ssh-client.js';
import { commandPlugin, installPlugin, markerPath } from '../helpers/fixtures.js';

const HOSTILE_ENV = {
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'core.hooksPath',
  GIT_CONFIG_VALUE_0: '/tmp',
  LD_PRELOAD: '/nonexistent/slipway-evil.so',
  DOKKU_ROOT: '/tmp/evil-root',
  PLUGIN_PATH: '/tmp/evil-plugins',
  PATH: '/tmp/evil-bin',
  LC_EVIL: 'x',
};

describe('security: SSH session requests', function () {
  this.timeout(60_000);
  let server: TestServer;
  let marker: string;
  let bashEnv: string;

  before(async () => {
    server = await TestServer.start();
    marker = markerPath('bashenv');
    bashEnv = path.join(server.dir, 'evil-bash-env');
    fs.writeFileSync(bashEnv, `touch ${marker}\n`);
    installPlugin(server.home, 'envdump', { commands: commandPlugin('envdump', '    env') });
  });
  after(async () => {
    await server?.stop();
    if (marker) fs.rmSync(marker, { force: true });
  });

  function parseEnv(text: string): Map<string, string> {
    return new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  function assertClean(env: Map<string, string>, stderr: string): void {
    for (const name of ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'LD_PRELOAD', 'BASH_ENV', 'LC_EVIL']) {
      assert.equal(env.has(name), false, `${name} reached the plugin`);
    }
    assert.equal(env.get('DOKKU_ROOT'), path.join(server.home, 'home'));
    assert.equal(env.get('PLUGIN_PATH'), path.join(server.home, 'lib', 'plugins'));
    assert.doesNotMatch(env.get('PATH') ?? '', /evil/);
    assert.doesNotMatch(stderr, /LD_PRELOAD|ld\.so/);
    assert.equal(fs.existsSync(marker), false, 'BASH_ENV was sourced');
  }

  it('OpenSSH SetEnv (GIT_CONFIG_*, LD_PRELOAD, DOKKU_ROOT, BASH_ENV, PATH) never reaches a plugin', async () => {
    const setEnv = [...Object.entries(HOSTILE_ENV), ['BASH_ENV', bashEnv]].map(([k, v]) => `${k}=${v}`).join(' ');
    const r = await server.ssh(['envdump'], { extra: ['-v', '-o', `SetEnv=${setEnv}`] });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /setting env LD_PRELOAD = /, 'the client did send the variables');
    assertClean(parseEnv(r.stdout), r.stderr.split('\n').filter((l) => !l.startsWith('debug1:')).join('\n'));
  });

  describe('with the ssh2 client', () => {
    let client: Client;
    before(async () => { client = await connect(server.sshPort, loadKey(server.admin.privateKey)); });
    after(() => client?.end());

    it('env requests (including a name starting with -) never reach a plugin', async () => {
      const r = await exec(client, 'envdump', { env: { ...HOSTILE_ENV, BASH_ENV: bashEnv, '-x': '1', 'A=B': 'c' } });
      assert.equal(r.code, 0, r.stderr);
      const env = parseEnv(r.stdout.toString());
      assertClean(env, r.stderr);
      assert.equal([...env.keys()].some((k) => k.startsWith('-') || k === 'A'), false);
    });

    it('the sftp subsystem is refused', async () => {
      const error = await new Promise<Error | undefined>((resolve) => client.sftp((e) => resolve(e)));
      assert.ok(error, 'sftp opened');
    });

    it('an arbitrary subsystem is refused', async () => {
      const error = await new Promise<Error | undefined>((resolve) => client.subsys('netconf', (e) => resolve(e)));
      assert.ok(error);
    });

    it('local port forwarding (direct-tcpip) is refused', async () => {
      const target = net.createServer((s) => s.end('secret'));
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      const port = (target.address() as net.AddressInfo).port;
      let connections = 0;
      target.on('connection', () => connections++);
      try {
        const error = await new Promise<Error | undefined>((resolve) => client.forwardOut('127.0.0.1', 5555, '127.0.0.1', port, (e) => resolve(e)));
        assert.match(String(error), /Channel open failure/);
        assert.equal(connections, 0, 'the forward reached the target');
      } finally {
        target.close();
      }
    });

    it('remote port forwarding (tcpip-forward) is refused', async () => {
      const error = await new Promise<Error | undefined>((resolve) => client.forwardIn('127.0.0.1', 0, (e) => resolve(e)));
      assert.ok(error);
    });

    it('unix socket forwarding both ways is refused', async () => {
      const control = path.join(server.home, 'lib', 'run', 'control.sock');
      const out = await new Promise<Error | undefined>((resolve) => client.openssh_forwardOutStreamLocal(control, (e) => resolve(e ?? undefined)));
      assert.ok(out, 'the control socket was reachable through the SSH door');
      const inward = await new Promise<Error | undefined>((resolve) => client.openssh_forwardInStreamLocal(path.join(server.dir, 'fwd.sock'), (e) => resolve(e ?? undefined)));
      assert.ok(inward);
      assert.equal(fs.existsSync(path.join(server.dir, 'fwd.sock')), false);
    });

    it('X11 forwarding is refused', async () => {
      await assert.rejects(exec(client, 'version', { x11: true }), /X11/);
    });

    it('the connection still runs commands after every refusal', async () => {
      assert.equal((await exec(client, 'version')).code, 0);
    });
  });

  it('agent forwarding is refused', async () => {
    const key = loadKey(server.admin.privateKey);
    const client = await connect(server.sshPort, key, { agent: new ScriptedAgent(key, key), agentForward: true });
    try {
      await assert.rejects(exec(client, 'version'), /agent forwarding/);
    } finally {
      client.end();
    }
  });

  it('OpenSSH -W (stdio forwarding) and -R with ExitOnForwardFailure fail', async () => {
    const w = await server.ssh([], { extra: ['-W', '127.0.0.1:9'] });
    assert.equal(w.code, 255);
    assert.match(w.stderr, /stdio forwarding failed/);
    const r = await server.ssh(['version'], { extra: ['-o', 'ExitOnForwardFailure=yes', '-R', '0:127.0.0.1:9'] });
    assert.equal(r.code, 255);
    assert.match(r.stderr, /remote port forwarding failed/);
  });

  it('OpenSSH -s sftp fails', async () => {
    const r = await server.ssh(['sftp'], { extra: ['-s'] });
    assert.notEqual(r.code, 0);
  });
});
