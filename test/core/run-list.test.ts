// run:list as Dokku answers it (real server, OpenSSH, git push): a `run` command still running is
// listed (table, --quiet rows, --format json with Dokku's keys) and is gone once it ended.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { TestServer, sshOptions } from '../helpers/server.js';
import { runningFor } from '../../src/core/run/commands.js';
import { appWork } from '../helpers/app-work.js';

describe('run:list (real server, git push, OpenSSH)', function () {
  this.timeout(240_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    const push = await (await appWork(server)).push('runner');
    assert.equal(push.exitCode, 0, String(push.stderr));
  });
  after(async () => { await server?.stop(); });

  it('lists nothing while no run is in flight: the header and the table head only; [] as JSON', async () => {
    const r = await server.ssh(['run:list', 'runner']);
    assert.deepEqual([r.code, r.stdout], [0, '=====> runner run containers\nNAMES   COMMAND   CREATED']);
    const json = await server.ssh(['run:list', 'runner', '--format', 'json']);
    assert.deepEqual([json.code, JSON.parse(json.stdout)], [0, []]);
  });

  it('lists a running `run` command, then forgets it once it ended', async () => {
    const child = execa('ssh', [...sshOptions(server.sshPort, server.admin), '--', 'dokku@127.0.0.1', 'run', 'runner', 'echo started; read line; echo got $line'], { reject: false, stdin: 'pipe' });
    try {
      // Wait until the command really runs: its first line arrived.
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        child.stdout!.on('data', (c: Buffer) => { seen += c.toString(); if (seen.includes('started')) resolve(); });
        child.once('exit', () => reject(new Error(`run ended early: ${seen}`)));
      });
      const r = await server.ssh(['run:list', 'runner']);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(lines[0], '=====> runner run containers');
      assert.match(lines[1], /^NAMES +COMMAND +CREATED$/);
      assert.match(lines[2], /^runner\.run\.1 +"echo started; read line; echo got \$line" +(Less than a second|\d+ seconds?) ago$/);
      assert.equal(lines.length, 3);
      const quiet = await server.ssh(['--quiet', 'run:list', 'runner']);
      assert.match(quiet.stdout, /^runner\.run\.1\t"echo started; read line; echo got \$line"\t.* ago$/);
      const json = JSON.parse((await server.ssh(['run:list', '--format', 'json', 'runner'])).stdout) as Array<Record<string, string>>;
      assert.equal(json.length, 1);
      assert.deepEqual(Object.keys(json[0]).sort(), ['command', 'created_at', 'name', 'state']);
      assert.deepEqual([json[0].name, json[0].state, json[0].command], ['runner.run.1', 'running', '"echo started; read line; echo got $line"']);
      assert.match(json[0].created_at, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    } finally {
      child.stdin!.end('done\n');
    }
    const ended = await child;
    assert.equal(ended.exitCode, 0, ended.stderr);
    assert.match(ended.stdout, /got done/);
    const after = await server.ssh(['run:list', 'runner', '--format', 'json']);
    assert.deepEqual(JSON.parse(after.stdout), []);
  });

  it('refuses as Dokku: no app, an unknown app, a bad --format', async () => {
    const none = await server.ssh(['run:list']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     Please specify an app to run the command on']);
    const ghost = await server.ssh(['run:list', 'ghost']);
    assert.deepEqual([ghost.code, ghost.stderr], [20, ' !     App ghost does not exist']);
    const bad = await server.ssh(['run:list', 'runner', '--format', 'yaml']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Invalid --format value specified/);
  });

  it('CREATED reads as docker\'s RunningFor', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    const ago = (s: number) => runningFor(new Date(now.getTime() - s * 1000), now);
    assert.deepEqual([ago(0), ago(1), ago(15), ago(60), ago(150), ago(3600), ago(7200), ago(3 * 86400)],
      ['Less than a second ago', '1 second ago', '15 seconds ago', 'About a minute ago', '2 minutes ago', 'About an hour ago', '2 hours ago', '3 days ago']);
  });
});
