// Issue 10.9: a local CLI started without the server's environment, from another folder, finds the
// running server (through its record) and says which data folder it used when it is not the server's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, makeKey, repoRoot, type ClientKey } from '../helpers/server.js';
import { readRecord, recordPath } from '../../src/control/record.js';

const slipway = path.join(repoRoot, 'bin', 'slipway');

/** This test's environment without any SLIPWAY_* variable: what an operator's shell has. */
function bareEnv(userHome: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('SLIPWAY_') && !name.startsWith('DOKKU_') && !name.startsWith('SSH_')) env[name] = value;
  }
  return { ...env, HOME: userHome };
}

async function cli(args: string[], cwd: string, env: Record<string, string>) {
  const result = await execa(slipway, args, { cwd, env, extendEnv: false, reject: false, input: '' });
  return { code: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('local CLI and the running server agree on the data folder (issue 10.9)', function () {
  let server: TestServer;
  let userHome: string;
  let elsewhere: string;
  let laptop: ClientKey;

  before(async function () {
    // The record lives under the user's home: a private one for this test, shared by server and CLI.
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'slipway-record-'));
    userHome = path.join(dir, 'user');
    elsewhere = path.join(dir, 'elsewhere');
    fs.mkdirSync(userHome);
    fs.mkdirSync(elsewhere);
    server = await TestServer.start({ env: { HOME: userHome } });
    laptop = await makeKey(elsewhere, 'laptop');
  });

  after(async function () {
    await server?.stop();
    if (userHome) fs.rmSync(path.dirname(userHome), { recursive: true, force: true });
  });

  it('10.9: the running server records its control socket and folders under the user\'s home', function () {
    const record = readRecord(recordPath(repoRoot, userHome));
    assert.ok(record, 'no record written');
    assert.equal(record.pid, server.pid);
    assert.equal(record.home, server.home);
    assert.equal(record.keysDir, server.keysDir);
    assert.equal(record.controlSocket, path.join(server.home, 'lib', 'run', 'control.sock'));
    assert.equal(fs.statSync(recordPath(repoRoot, userHome)).mode & 0o777, 0o600);
  });

  it('10.9: ssh-keys:add from another folder with no SLIPWAY_* env reaches the server, and ssh logs in with that key', async function () {
    const before = await server.ssh(['version'], { key: laptop });
    assert.notEqual(before.code, 0, 'the key logged in before it was added');

    // A relative key file: read from the caller's folder, not the server's.
    const added = await cli(['ssh-keys:add', 'laptop', 'id_laptop.pub'], elsewhere, bareEnv(userHome));
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added key laptop/);
    assert.equal(added.stderr, '', 'no notice: the data folder is the running server\'s');
    assert.deepEqual(fs.readdirSync(elsewhere).sort(), ['id_laptop', 'id_laptop.pub'], 'nothing written into the caller\'s folder');

    const login = await server.ssh(['version'], { key: laptop });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /slipway/);
  });

  it('10.9: a CLI pointed at another data folder says it is not the running server\'s', async function () {
    const other = path.join(path.dirname(userHome), 'other-data');
    const listed = await cli(['apps:list'], elsewhere, { ...bareEnv(userHome), SLIPWAY_HOME: other });
    assert.equal(listed.code, 0, listed.stderr);
    // The notice comes first; the empty folder then gets Dokku's own apps:list warning.
    const lines = listed.stderr.split('\n').filter(Boolean);
    assert.deepEqual(lines.slice(1), [" !     You haven't deployed any applications yet"], listed.stderr);
    assert.match(lines[0], /^ ! {5}Using the data folder /);
    assert.ok(lines[0].includes(other) && lines[0].includes(server.home), lines[0]);
  });

  it('10.9: with the server stopped its record is gone, and the CLI names the folder it used', async function () {
    await server.kill('SIGTERM');
    assert.equal(readRecord(recordPath(repoRoot, userHome)), undefined);
    const listed = await cli(['apps:list'], elsewhere, bareEnv(userHome));
    const lines = listed.stderr.split('\n').filter(Boolean);
    assert.deepEqual(lines.slice(1), [" !     You haven't deployed any applications yet"], listed.stderr);
    assert.match(lines[0], /^ ! {5}No running Slipway server found; using the data folder /);
    assert.ok(lines[0].includes(path.join(elsewhere, 'data')), lines[0]);
  });
});
