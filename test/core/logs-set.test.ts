// logs:set and logs:report as Dokku documents them (real server, OpenSSH, git push): Dokku's
// property messages and exit codes, the vector properties refused with the reason, the report's
// flags, --global and --format json, and max-size honoured by the process logs' rotation.
import assert from 'node:assert/strict';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { eventually } from '../deploy/helpers.js';

describe('logs:set, logs:report (real server, git push, OpenSSH)', function () {
  this.timeout(240_000);
  let server: TestServer;

  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const bad = async (args: string[], stderr: string | RegExp, code = 1) => {
    const r = await server.ssh(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stdout} ${r.stderr}`);
    if (typeof stderr === 'string') assert.equal(r.stderr, stderr);
    else assert.match(r.stderr, stderr);
  };

  before(async () => {
    server = await TestServer.start();
    const pushed = await (await appWork(server)).push('logged');
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
  });
  after(async () => { await server?.stop(); });

  it('logs:set refuses as Dokku does; the vector properties are named and refused with the reason', async () => {
    await bad(['logs:set', 'logged'], ' !     No property specified');
    await bad(['logs:set', 'logged', 'colour', 'red'],
      ' !     Invalid property specified, valid properties include: app-label-alias, max-size, vector-cron-sink, vector-image, vector-networks, vector-sink');
    await bad(['logs:set', 'logged', 'max-size', '5x'], ' !     Invalid max-size unit measure, value must end in any of [k, m, g]');
    await bad(['logs:set', 'logged', 'max-size', 'm'], ' !     Invalid max-size value, must be a number followed by a unit of measure [k, m, g]');
    await bad(['logs:set', 'logged', 'max-size', 'lotsm'], /^ ! {5}Invalid max-size value, unable to convert number to int: /);
    await bad(['logs:set', 'ghost', 'max-size', '1m'], ' !     App ghost does not exist', 20);
    await bad(['logs:set', 'logged', 'vector-sink', 'console://?encoding[codec]=json'], /^ ! {5}Property vector-sink is not applicable to Slipway: Slipway ships no vector log shipper/);
    await bad(['logs:set', '--global', 'vector-image', 'timberio/vector:latest'], /Property vector-image is not applicable to Slipway/);
  });

  it('logs:set sets and clears max-size (app, --global); logs:report follows Dokku\'s report conventions', async () => {
    assert.equal(await ok(['logs:report', 'logged', '--logs-computed-max-size']), '1m');
    assert.equal(await ok(['logs:set', '--global', 'max-size', '20m']), '=====> Setting max-size to 20m');
    assert.equal(await ok(['--quiet', 'logs:set', 'logged', 'max-size', 'unlimited']), '');
    assert.equal(await ok(['logs:report', 'logged', '--logs-max-size']), 'unlimited');
    assert.equal(await ok(['logs:report', 'logged', '--logs-global-max-size']), '20m');
    assert.equal(await ok(['logs:report', '--global', '--logs-computed-max-size']), '20m');
    const block = await ok(['logs:report', 'logged']);
    assert.match(block, /^=====> logged logs information$/m);
    assert.match(block, /^ {7}Logs computed max size: +unlimited$/m);
    const json = JSON.parse(await ok(['logs:report', 'logged', '--format', 'json'])) as Record<string, string>;
    assert.deepEqual([json['computed-max-size'], json['logs-computed-max-size'], json['global-max-size'], json['max-size']], ['unlimited', 'unlimited', '20m', 'unlimited']);
    await bad(['logs:report', 'logged', '--logs-nope'], /^ ! {5}Invalid flag passed, valid flags: --logs-computed-max-size, --logs-global-max-size, --logs-max-size$/);
    // Without an app: every app; the aggregate report includes it.
    assert.match(await ok(['logs:report']), /^=====> logged logs information$/m);
    assert.match(await ok(['report', 'logged']), /^=====> logged logs information$/m);
    assert.equal(await ok(['logs:set', '--global', 'max-size']), '=====> Unsetting max-size');
    await ok(['logs:set', 'logged', 'max-size']);
    assert.equal(await ok(['logs:report', 'logged', '--logs-computed-max-size']), '1m');
  });

  it('max-size bounds what a process\'s log keeps: its file rotates at that size, one older file kept', async () => {
    // Quoted: ssh joins its arguments into one command line, split again on the server.
    const lines = `'i=0; while [ $i -lt 200 ]; do echo "line-$i-padding-padding-padding"; i=$((i+1)); done'`;
    const logsOf = async (name: string) => {
      const id = name.slice('logged.'.length);
      return eventually(async () => {
        const text = await ok(['logs', 'logged', '-p', id, '-n', '1000']);
        return text.includes(`${name} exited with code 0`) ? text.split('\n') : undefined;
      }, 100);
    };
    const full = await logsOf(await ok(['run:detached', 'logged', lines]));
    assert.equal(full.filter((l) => /line-\d+-padding/.test(l)).length, 200, 'the default keeps every line');

    await ok(['logs:set', 'logged', 'max-size', '1k']);
    const bounded = await logsOf(await ok(['run:detached', 'logged', lines]));
    const kept = bounded.filter((l) => /line-\d+-padding/.test(l));
    assert.ok(kept.length > 0 && kept.length < 50, `1k files (this one and one older) keep few lines: ${kept.length}`);
    assert.match(kept[kept.length - 1], /line-199-padding/, 'the newest lines are kept');
    await ok(['logs:set', 'logged', 'max-size']);
  });

  it('help --all lists logs:set and logs:report', async () => {
    const help = await ok(['help', '--all']);
    assert.match(help, /logs:set \(<app>\|--global\) <property> \[<value>\]/);
    assert.match(help, /logs:report \[<app>\|--global\] \[<flag>\]/);
  });
});
