// Plugins that misbehave while a client is attached: a hanging plugin dies with its whole
// process group when the client goes away; 100 MB of stdout to a paused reader does not grow
// the server; a trigger that floods a captured stdout is stopped; 100 concurrent sessions work.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, sshOptions } from '../helpers/server.js';
import { collect, connect, exec, loadKey, until, type ExecResult } from '../helpers/ssh-client.js';
import { alive, commandPlugin, installPlugin, rssKb, sleep } from '../helpers/fixtures.js';

const FLOOD_BYTES = 100 * 1024 * 1024;
/** Generous: the server may grow a little, never by the size of the stream. */
const RSS_BOUND_KB = 150 * 1024;

describe('faults: misbehaving plugins', function () {
  this.timeout(120_000);
  let server: TestServer;
  let pidDir: string;

  before(async () => {
    server = await TestServer.start();
    pidDir = path.join(server.dir, 'pids');
    fs.mkdirSync(pidDir);
    installPlugin(server.home, 'hang', {
      commands: commandPlugin('hang:run', [
        `    sleep 300 & echo $! > ${pidDir}/child-$2`,
        `    ( trap '' TERM HUP; sleep 300 ) & echo $! > ${pidDir}/stubborn-$2`,
        `    echo $$ > ${pidDir}/main-$2`,
        '    echo started',
        '    sleep 300',
      ].join('\n')),
    });
    installPlugin(server.home, 'flood', { commands: commandPlugin('flood:out', `    head -c ${FLOOD_BYTES} /dev/zero`) });
  });
  after(async () => { await server?.stop(); });

  function pids(tag: string): number[] {
    return ['main', 'child', 'stubborn'].map((name) => Number(fs.readFileSync(path.join(pidDir, `${name}-${tag}`), 'utf8').trim()));
  }

  it('killing the OpenSSH client of a hanging plugin kills the plugin and its background children', async () => {
    const ssh = execa('ssh', [...sshOptions(server.sshPort, server.admin), 'dokku@127.0.0.1', 'hang:run', 'a'], { reject: false });
    let out = '';
    ssh.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    await until(() => out.includes('started'));
    const group = pids('a');
    assert.ok(group.every(alive), 'the plugin and its children are running');
    ssh.kill('SIGKILL');
    await ssh;
    // SIGTERM to the group at once, SIGKILL after a grace period for what ignores SIGTERM.
    await until(() => group.every((pid) => !alive(pid)), 100);
  });

  it('closing the channel (ssh2 client) of a hanging plugin kills the whole process group', async () => {
    const client = await connect(server.sshPort, loadKey(server.admin.privateKey));
    const started = new Promise<void>((resolve, reject) => {
      client.exec('hang:run b', (error, channel) => {
        if (error) { reject(error); return; }
        channel.on('data', (chunk: Buffer) => { if (chunk.toString().includes('started')) resolve(); });
        channel.stderr.resume();
      });
    });
    await started;
    const group = pids('b');
    assert.ok(group.every(alive));
    client.end();
    await until(() => group.every((pid) => !alive(pid)), 100);
  });

  it('100 MB of plugin stdout to a paused reader keeps the server RSS bounded, then arrives complete', async () => {
    const pid = server.pid!;
    const baseline = rssKb(pid)!;
    const client = await connect(server.sshPort, loadKey(server.admin.privateKey));
    try {
      const samples: number[] = [];
      const result = await new Promise<ExecResult & { bytes: number }>((resolve, reject) => {
        client.exec('flood:out', (error, channel) => {
          if (error) { reject(error); return; }
          channel.pause();
          let bytes = 0;
          void (async () => {
            // Paused: the SSH window fills, the server stops reading the pipe, the plugin blocks.
            for (let i = 0; i < 15; i++) { await sleep(200); samples.push(rssKb(pid) ?? 0); }
            channel.on('data', (chunk: Buffer) => { bytes += chunk.length; });
            const sampler = setInterval(() => samples.push(rssKb(pid) ?? 0), 200);
            collect(channel, (r) => { clearInterval(sampler); resolve({ ...r, bytes }); });
            channel.resume();
          })();
        });
      });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.bytes, FLOOD_BYTES);
      const peak = Math.max(...samples);
      assert.ok(peak - baseline < RSS_BOUND_KB, `server RSS grew from ${baseline} kB to ${peak} kB`);
    } finally {
      client.end();
    }
  });

  // Regression: captured stdout was one growing string (+300 MB RSS for this plugin; over 512 MB it threw).
  it('regression: a user-auth trigger that floods its captured stdout is stopped: one-line refusal, bounded RSS, server fine', async () => {
    const pid = server.pid!;
    const baseline = rssKb(pid)!;
    const dir = installPlugin(server.home, 'chatty-auth', { 'user-auth': `#!/usr/bin/env bash\nhead -c ${FLOOD_BYTES} /dev/zero\n` });
    try {
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(rssKb(pid) ?? 0), 100);
      const r = await server.ssh(['version']);
      clearInterval(sampler);
      samples.push(rssKb(pid) ?? 0);
      assert.ok(Math.max(...samples) - baseline < RSS_BOUND_KB, `server RSS grew from ${baseline} kB to ${Math.max(...samples)} kB`);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^ ! {5}Access denied$/);
      assert.match(server.output, /printed more than \d+ bytes to a captured stdout; killed/);
    } finally {
      fs.unlinkSync(path.join(server.home, 'lib', 'plugins', 'enabled', 'chatty-auth'));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const ok = await server.ssh(['version']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('regression: a plugin whose help floods stdout is skipped with bounded RSS; other plugins keep working', async () => {
    const dir = installPlugin(server.home, 'chatty-help', {
      commands: `#!/usr/bin/env bash\ncase "$1" in\n  help) head -c ${FLOOD_BYTES} /dev/zero ;;\n  chatty:hi) echo hi ;;\n  *) exit 10 ;;\nesac\n`,
    });
    try {
      const pid = server.pid!;
      const baseline = rssKb(pid)!;
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(rssKb(pid) ?? 0), 100);
      const hello = await server.ssh(['hello:world']);
      clearInterval(sampler);
      samples.push(rssKb(pid) ?? 0);
      assert.ok(Math.max(...samples) - baseline < RSS_BOUND_KB, `server RSS grew from ${baseline} kB to ${Math.max(...samples)} kB`);
      assert.deepEqual([hello.code, hello.stdout], [0, 'Hello world'], hello.stderr);
      const help = await server.ssh(['help']);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /hello/);
      const own = await server.ssh(['chatty:hi']);
      assert.deepEqual([own.code, own.stdout], [0, 'hi']);
    } finally {
      fs.unlinkSync(path.join(server.home, 'lib', 'plugins', 'enabled', 'chatty-help'));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // Regression: the old cap of 64 connections per address refused a third of these.
  it('regression: 100 concurrent hello:world sessions (OpenSSH) all succeed and the server answers a new one', async () => {
    const runs = await Promise.all(Array.from({ length: 100 }, () => server.ssh(['hello:world'], { timeout: 110_000 })));
    const failed = runs.filter((r) => r.code !== 0 || r.stdout !== 'Hello world');
    assert.deepEqual(failed, []);
    const after = await server.ssh(['hello:world']);
    assert.deepEqual([after.code, after.stdout], [0, 'Hello world']);
  });

  it('100 concurrent sessions on one ssh2 connection all succeed', async () => {
    const client = await connect(server.sshPort, loadKey(server.admin.privateKey));
    try {
      const runs = await Promise.all(Array.from({ length: 100 }, () => exec(client, 'hello:world')));
      assert.deepEqual(runs.filter((r) => r.code !== 0 || r.stdout.toString() !== 'Hello world\n'), []);
    } finally {
      client.end();
    }
  });

  it('no plugin process started by these tests is left behind', () => {
    for (const file of fs.readdirSync(pidDir)) {
      const pid = Number(fs.readFileSync(path.join(pidDir, file), 'utf8'));
      assert.equal(alive(pid), false, `${file} (${pid}) is still running`);
    }
  });
});
