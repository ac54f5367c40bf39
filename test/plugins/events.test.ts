// The events log over real ssh: every command lands in it (who, what, app, exit code), config
// values never do, plugins can add lines, and `events -t` follows until the client goes away.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, sshOptions } from '../helpers/server.js';

describe('events log (real OpenSSH client)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let logFile: string;

  before(async () => {
    server = await TestServer.start();
    logFile = path.join(server.home, 'lib', 'events', 'events.log');
  });
  after(async () => { await server?.stop(); });

  it('a command shows up in events with its key name, app and exit code', async () => {
    assert.equal((await server.ssh(['apps:create', 'evapp'])).code, 0);
    const r = await server.ssh(['events']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\S+Z slipway\[\d+\]: COMMAND apps:create APP=evapp NAME=admin EXIT=0$/m);
    assert.match(r.stdout, /INVOKED: post-create\( evapp \) NAME=admin/);
    await server.ssh(['apps:create', 'evapp']);
    assert.match((await server.ssh(['events', '-n', '1'])).stdout, /COMMAND apps:create APP=evapp NAME=admin EXIT=1$/);
  });

  it('config:set values never reach the log, only their keys', async () => {
    const secret = 'hunter2-very-secret';
    assert.equal((await server.ssh(['config:set', '--no-restart', 'evapp', `DB_PASSWORD=${secret}`, 'OTHER=x'])).code, 0);
    assert.equal((await server.ssh(['config:set-norestart', 'evapp', `TOKEN=${secret}`])).code, 0);
    const r = await server.ssh(['events']);
    assert.match(r.stdout, /COMMAND config:set APP=evapp KEYS=DB_PASSWORD,OTHER NAME=admin EXIT=0/);
    assert.match(r.stdout, /INVOKED: post-config-update\( evapp set DB_PASSWORD OTHER \)/);
    assert.doesNotMatch(r.stdout, /hunter2/);
    assert.doesNotMatch(fs.readFileSync(logFile, 'utf8'), /hunter2/);
  });

  it('events -n N shows the last N lines; events:list names what is logged', async () => {
    const r = await server.ssh(['events', '-n', '2']);
    assert.equal(r.stdout.split('\n').length, 2);
    const list = await server.ssh(['events:list']);
    assert.match(list.stdout, /^=====> Events currently logged\ncommand\n/);
    assert.match(list.stdout, /^post-create$/m);
  });

  it('a plugin line from dokku_log_event is logged with the caller\'s name', async () => {
    const plugin = path.join(server.home, 'lib', 'plugins', 'available', 'logger');
    fs.mkdirSync(path.join(plugin, 'subcommands'), { recursive: true });
    fs.writeFileSync(path.join(plugin, 'subcommands', 'default'), [
      '#!/usr/bin/env bash', 'set -eo pipefail; [[ $DOKKU_TRACE ]] && set -x',
      'source "$PLUGIN_CORE_AVAILABLE_PATH/common/functions"', 'dokku_log_event "logger ran for $2"', 'echo done', '',
    ].join('\n'), { mode: 0o755 });
    fs.mkdirSync(path.join(server.home, 'lib', 'plugins', 'enabled'), { recursive: true });
    fs.symlinkSync(plugin, path.join(server.home, 'lib', 'plugins', 'enabled', 'logger'));
    assert.equal((await server.ssh(['logger', 'evapp'])).stdout, 'done');
    assert.match((await server.ssh(['events'])).stdout, /EVENT: logger ran for evapp NAME=admin/);
  });

  it('events:off stops logging, events:on starts again', async () => {
    assert.equal((await server.ssh(['events:off'])).code, 0);
    await server.ssh(['config:keys', 'evapp']);
    assert.equal((await server.ssh(['events:on'])).code, 0);
    const text = fs.readFileSync(logFile, 'utf8');
    assert.doesNotMatch(text, /COMMAND config:keys/);
    assert.match(text, /COMMAND events:on NAME=admin EXIT=0/);
  });

  it('events -t follows new events until the client disconnects', async () => {
    const follower = execa('ssh', [...sshOptions(server.sshPort, server.admin), '--', 'dokku@127.0.0.1', 'events', '-t', '-n', '1'], { reject: false, buffer: false });
    let seen = '';
    const waiters: Array<() => void> = [];
    follower.stdout!.on('data', (chunk: Buffer) => { seen += chunk.toString(); waiters.splice(0).forEach((w) => w()); });
    const until = async (test: () => boolean) => { while (!test()) await new Promise<void>((resolve) => waiters.push(resolve)); };
    // The last line is printed after the follow position is taken: from then on, nothing is missed.
    await until(() => seen.includes('\n'));
    assert.equal((await server.ssh(['apps:create', 'followed'])).code, 0);
    await until(() => /COMMAND apps:create APP=followed NAME=admin EXIT=0/.test(seen));
    follower.kill('SIGTERM');
    await follower;
    // The follow ended with its client: its own line reaches the log (each probe is a command too).
    const after = () => fs.readFileSync(logFile, 'utf8').split('APP=followed')[1] ?? '';
    for (let probe = 0; probe < 100 && !/COMMAND events NAME=admin EXIT=/.test(after()); probe++) await server.ssh(['version']);
    assert.match(after(), /COMMAND events NAME=admin EXIT=/);
  });
});
