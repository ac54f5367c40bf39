// 10.2: `slipway install-service` (the real CLI) prints or writes a systemd unit for this install
// that keeps the server running and leaves apps alone on a stop; systemd-analyze accepts it
// (when the host has it), and contrib/slipway.service is the same unit for a typical install.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { cliPath, repoRoot } from '../helpers/server.js';
import { CONTRIB_VALUES, renderUnit } from '../../src/cli/service.js';

/** A unit file as section → key → values (keys like Environment repeat). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    assert.ok(current && eq > 0, `a key=value line inside a section: ${line}`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

describe('install-service (10.2)', function () {
  this.timeout(60_000);
  let dir: string;
  // This process's own SLIPWAY_* and DOCKER_HOST stay out: the unit would carry them.
  const inherited = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLIPWAY_') && k !== 'DOCKER_HOST'));
  const env = () => ({
    ...inherited(),
    SLIPWAY_HOME: 'state', SLIPWAY_KEYS_DIR: path.join(dir, 'keys'), SLIPWAY_SSH_LISTEN: '0.0.0.0:2222', SLIPWAY_SCHEDULER: 'process',
  });
  const cli = (args: string[]) => execa(process.execPath, [cliPath, ...args], { cwd: dir, env: env(), extendEnv: false, reject: false, stripFinalNewline: false });

  beforeEach(() => { dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-service-'))); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('10.2: install-service --print is a valid unit for this install: ExecStart, WorkingDirectory, User, Restart=always, KillMode=process', async function () {
    const printed = await cli(['install-service', '--print']);
    assert.equal(printed.exitCode, 0, printed.stderr);
    const unit = parseUnit(printed.stdout);
    assert.deepEqual([...unit.keys()], ['Unit', 'Service', 'Install']);
    const service = unit.get('Service')!;
    assert.deepEqual(service.get('ExecStart'), [`${process.execPath} ${cliPath} serve`]);
    assert.deepEqual(service.get('WorkingDirectory'), [dir]);
    assert.deepEqual(service.get('User'), [os.userInfo().username]);
    assert.deepEqual(service.get('Restart'), ['always']);
    assert.deepEqual(service.get('KillMode'), ['process'], 'a stop signals the server only, never its apps');
    assert.deepEqual(service.get('Type'), ['simple']);
    // The data folders as this install resolves them (absolute), and the settings it runs with.
    assert.deepEqual(service.get('Environment'), [
      `SLIPWAY_HOME=${path.join(dir, 'state')}`, `SLIPWAY_KEYS_DIR=${path.join(dir, 'keys')}`,
      'SLIPWAY_SCHEDULER=process', 'SLIPWAY_SSH_LISTEN=0.0.0.0:2222',
    ]);
    assert.deepEqual(unit.get('Install')!.get('WantedBy'), ['multi-user.target']);

    const file = path.join(dir, 'slipway.service');
    fs.writeFileSync(file, printed.stdout);
    const verify = await execa('systemd-analyze', ['verify', file], { reject: false });
    if ((verify as { code?: string }).code === 'ENOENT') {
      process.stdout.write('      (systemd-analyze is not installed here: the unit was checked field by field only)\n');
      return;
    }
    assert.equal(verify.exitCode, 0, verify.stderr);
    assert.equal(verify.stderr.trim(), '', 'systemd-analyze has nothing to say about the unit');
  });

  it('10.2: install-service writes the unit where --path says (the same text), and says how to start it', async () => {
    const target = path.join(dir, 'etc', 'slipway.service');
    const written = await cli(['install-service', '--path', target, '--user', 'slipway']);
    assert.equal(written.exitCode, 0, written.stderr);
    assert.match(written.stdout, new RegExp(`^-----> Wrote ${target}\n.*\n {7}systemctl daemon-reload && systemctl enable --now slipway\\.service\n$`));
    const printed = await cli(['install-service', '--print', '--user', 'slipway']);
    assert.equal(fs.readFileSync(target, 'utf8'), printed.stdout);
    assert.match(printed.stdout, /^User=slipway$/m);

    const bad = await cli(['install-service', '--path', path.join('/proc', 'slipway.service')]);
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /^ ! {5}Cannot write \/proc\/slipway\.service: /);
    const usage = await cli(['install-service', '--bogus']);
    assert.deepEqual([usage.exitCode, usage.stderr], [1, ' !     usage: slipway install-service [--print] [--user NAME] [--path FILE]\n']);
  });

  it('10.2: contrib/slipway.service is the unit install-service renders for a typical install', () => {
    assert.equal(fs.readFileSync(path.join(repoRoot, 'contrib', 'slipway.service'), 'utf8'), renderUnit(CONTRIB_VALUES));
  });
});
