// docker-options:* over real ssh against Dokku's contract: add/remove/clear/list/report, Dokku's
// messages and exit codes, options stored where Dokku keeps them ($DOKKU_LIB_ROOT/config/
// docker-options/APP/_default_.PHASE), an option Slipway cannot apply refused with nothing
// recorded, and writes reserved to admin keys.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, makeKey, type ClientKey, type RunResult } from '../helpers/server.js';

const APP = 'opts';

describe('docker-options (Dokku\'s contract, real OpenSSH client)', function () {
  this.timeout(180_000);
  let server: TestServer;
  let dev: ClientKey;
  // Containers here use host networking: --link and -p are refused for it.
  before(async () => {
    server = await TestServer.start({ env: { SLIPWAY_DOCKER_NETWORK: 'host' } });
    assert.equal((await server.ssh(['apps:create', APP])).code, 0);
    dev = await makeKey(server.dir, 'dev');
    assert.equal((await server.ssh(['ssh-keys:add', 'dev'], { input: fs.readFileSync(dev.publicKey, 'utf8') })).code, 0);
  });
  after(async () => { await server?.stop(); });

  const phaseFile = (phase: string, app = APP): string => path.join(server.home, 'lib', 'config', 'docker-options', app, `_default_.${phase}`);
  const stored = (phase: string): string | undefined => (fs.existsSync(phaseFile(phase)) ? fs.readFileSync(phaseFile(phase), 'utf8') : undefined);
  const ok = (r: RunResult, what: string): void => assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  const fails = (r: RunResult, message: string): void => {
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.stderr, ` !     ${message}`);
  };

  it('add: silent, exit 0, one option per line in Dokku\'s phase file, sorted', async () => {
    const r = await server.ssh(['docker-options:add', APP, 'deploy', '-e FOO=bar']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    ok(await server.ssh(['docker-options:add', APP, 'deploy,run', '--label', 'com.example.team=web', '--memory', '256m']), 'two flags at once');
    assert.equal(stored('deploy'), '--label com.example.team=web\n--memory 256m\n-e FOO=bar\n');
    assert.equal(stored('run'), '--label com.example.team=web\n--memory 256m\n');
    assert.equal(stored('build'), undefined);
    ok(await server.ssh(['docker-options:add', APP, 'build', '--build-arg', 'NODE_ENV=production']), 'build');
    assert.equal(stored('build'), '--build-arg NODE_ENV=production\n');
  });

  it('quoting splits words only: the value is stored as Dokku re-quotes it, nothing expanded', async () => {
    ok(await server.ssh(['docker-options:add', APP, 'run', '"--label \\"owner=platform team\\" -e HOME_DIR=\\$HOME"']), 'quoted');
    assert.match(stored('run') ?? '', /^--label 'owner=platform team'$/m);
    assert.match(stored('run') ?? '', /^-e 'HOME_DIR=\$HOME'$/m);
  });

  it('report: Dokku\'s block, one value per flag, JSON with -list keys and legacy keys', async () => {
    const r = await server.ssh(['docker-options:report', APP]);
    ok(r, 'report');
    assert.equal(r.stdout, [
      `=====> ${APP} docker-options information`,
      '       Docker options build:          --build-arg NODE_ENV=production',
      '       Docker options deploy:         --label com.example.team=web --memory 256m -e FOO=bar',
      "       Docker options run:            --label 'owner=platform team' --label com.example.team=web --memory 256m -e 'HOME_DIR=$HOME'",
    ].join('\n'));
    assert.equal((await server.ssh(['docker-options:report', APP, '--docker-options-build'])).stdout, '--build-arg NODE_ENV=production');
    const json = JSON.parse((await server.ssh(['docker-options:report', APP, '--format', 'json'])).stdout) as Record<string, unknown>;
    assert.equal(json.deploy, '--label com.example.team=web --memory 256m -e FOO=bar');
    assert.equal(json['docker-options-deploy'], json.deploy);
    assert.deepEqual(json['deploy-list'], ['--label com.example.team=web', '--memory 256m', '-e FOO=bar']);
    assert.deepEqual(json['build-list'], ['--build-arg NODE_ENV=production']);
    const bad = await server.ssh(['docker-options:report', APP, '--docker-options-nope']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Invalid flag passed, valid flags: --docker-options-build, --docker-options-deploy, --docker-options-run/);
    const all = await server.ssh(['docker-options:report']);
    assert.match(all.stdout, new RegExp(`^=====> ${APP} docker-options information$`, 'm'));
  });

  it('list: one phase, one option per line; --phase is required', async () => {
    const r = await server.ssh(['docker-options:list', APP, '--phase', 'deploy']);
    assert.deepEqual([r.code, r.stdout], [0, '--label com.example.team=web\n--memory 256m\n-e FOO=bar'.trim()]);
    fails(await server.ssh(['docker-options:list', APP]), '--phase is required');
    fails(await server.ssh(['docker-options:list', APP, '--phase', 'nope']), 'Phase must be one of [build deploy run]');
  });

  it('an option Slipway cannot apply is refused by name, and nothing is recorded', async () => {
    const before = [stored('build'), stored('deploy'), stored('run')];
    const privileged = await server.ssh(['docker-options:add', APP, 'deploy', '-e OK=1 --privileged']);
    assert.equal(privileged.code, 1);
    assert.match(privileged.stderr, /^ !     Slipway cannot apply docker option '--privileged' in the deploy phase \(honoured: -e\/--env, .*\)$/);
    // -e is fine for deploy but not for a build: the whole add is refused, deploy included.
    const mixed = await server.ssh(['docker-options:add', APP, 'deploy,build', '-e OTHER=1']);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /^ !     Slipway cannot apply docker option '-e OTHER=1' in the build phase/);
    const link = await server.ssh(['docker-options:add', APP, 'deploy', '--link dokku.postgres.db:dokku-postgres-db']);
    assert.equal(link.code, 1);
    assert.match(link.stderr, /^ !     docker option '--link dokku\.postgres\.db:dokku-postgres-db': containers here use host networking .*Docker links need a bridge network$/);
    const env = await server.ssh(['docker-options:add', APP, 'run', '-e SECRET']);
    assert.equal(env.code, 1);
    assert.match(env.stderr, /'-e SECRET': use variable name=VALUE/);
    fails(await server.ssh(['docker-options:add', APP, 'run', '"--label \\"a"']), 'Unable to parse docker option: Got EOF while in a quoted string');
    assert.deepEqual([stored('build'), stored('deploy'), stored('run')], before);
  });

  it('Dokku\'s messages and exit codes for bad input', async () => {
    fails(await server.ssh(['docker-options:add']), 'Please specify an app to run the command on');
    const missing = await server.ssh(['docker-options:add', 'nope', 'deploy', '-e A=1']);
    assert.deepEqual([missing.code, missing.stderr], [20, ' !     App nope does not exist'], 'Dokku\'s exit code for a missing app');
    fails(await server.ssh(['docker-options:add', APP, 'deploy,nope', '-e A=1']), 'Phase(s) must be one of [build deploy run]');
    fails(await server.ssh(['docker-options:add', APP, 'deploy']), 'Please specify docker options to add to the phase');
    fails(await server.ssh(['docker-options:remove', APP, 'deploy']), 'Please specify docker options to remove from the phase');
    fails(await server.ssh(['docker-options:clear', APP, 'later']), 'Phase(s) must be one of [build deploy run]');
    const process = await server.ssh(['docker-options:add', '--process', 'web', APP, 'deploy', '-e A=1']);
    assert.equal(process.code, 1);
    assert.match(process.stderr, /--process .* is not supported by Slipway/);
    assert.equal(stored('deploy'), '--label com.example.team=web\n--memory 256m\n-e FOO=bar\n');
  });

  it('remove: matches the option by its words, in each phase named', async () => {
    ok(await server.ssh(['docker-options:remove', APP, 'run', '"--label \'owner=platform team\'"']), 'remove quoted');
    assert.doesNotMatch(stored('run') ?? '', /owner/);
    const r = await server.ssh(['docker-options:remove', APP, 'deploy,run', '--memory 256m']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
    assert.equal(stored('deploy'), '--label com.example.team=web\n-e FOO=bar\n');
    assert.equal(stored('run'), "--label com.example.team=web\n-e 'HOME_DIR=$HOME'\n");
    ok(await server.ssh(['docker-options:remove', APP, 'build', '--build-arg NODE_ENV=production']), 'last one');
    assert.equal(stored('build'), '', 'Dokku keeps the emptied list file');
    ok(await server.ssh(['docker-options:remove', APP, 'build', '--build-arg NOT_THERE=1']), 'absent: no error, as in Dokku');
  });

  it('writes are for admin keys; a granted key may read the report', async () => {
    const denied = await server.ssh(['docker-options:add', APP, 'deploy', '-v /:/host'], { key: dev });
    assert.deepEqual([denied.code, denied.stderr], [1, ' !     Access denied']);
    ok(await server.ssh(['acl:add', APP, 'dev']), 'acl:add');
    for (const args of [['docker-options:add', APP, 'deploy', '-v /:/host'], ['docker-options:remove', APP, 'deploy', '-e FOO=bar'], ['docker-options:clear', APP]]) {
      const r = await server.ssh(args, { key: dev });
      assert.deepEqual([r.code, r.stderr], [1, ' !     Access denied'], args.join(' '));
    }
    const report = await server.ssh(['docker-options:report', APP, '--docker-options-deploy'], { key: dev });
    assert.deepEqual([report.code, report.stdout], [0, '--label com.example.team=web -e FOO=bar']);
    assert.doesNotMatch(stored('deploy') ?? '', /host/);
  });

  it('clear: one phase, several, or all, with Dokku\'s lines', async () => {
    const one = await server.ssh(['docker-options:clear', APP, 'run']);
    assert.deepEqual([one.code, one.stdout], [0, `-----> Clearing docker-options for ${APP} on phase run`]);
    assert.equal(stored('run'), undefined);
    ok(await server.ssh(['docker-options:add', APP, 'run,build', '--label a=b']), 'again');
    const two = await server.ssh(['docker-options:clear', APP, 'build,run']);
    assert.equal(two.stdout, [`-----> Clearing docker-options for ${APP} on phase build`, `-----> Clearing docker-options for ${APP} on phase run`].join('\n'));
    const all = await server.ssh(['docker-options:clear', APP]);
    assert.deepEqual([all.code, all.stdout], [0, `-----> Clearing docker-options for ${APP} on all phases`]);
    assert.deepEqual([stored('build'), stored('deploy'), stored('run')], [undefined, undefined, undefined]);
    const empty = await server.ssh(['docker-options:report', APP, '--format', 'json']);
    assert.deepEqual(JSON.parse(empty.stdout), {
      build: '', 'build-list': [], deploy: '', 'deploy-list': [], run: '', 'run-list': [],
      'docker-options-build': '', 'docker-options-deploy': '', 'docker-options-run': '',
    });
  });

  it('follows the app: apps:rename moves its options, apps:destroy removes them', async () => {
    ok(await server.ssh(['docker-options:add', APP, 'deploy', '-e KEPT=1']), 'add');
    ok(await server.ssh(['apps:rename', APP, 'opts2']), 'rename');
    assert.equal(fs.readFileSync(phaseFile('deploy', 'opts2'), 'utf8'), '-e KEPT=1\n');
    assert.ok(!fs.existsSync(phaseFile('deploy')));
    ok(await server.ssh(['--force', 'apps:destroy', 'opts2']), 'destroy');
    assert.ok(!fs.existsSync(path.dirname(phaseFile('deploy', 'opts2'))));
  });

  it('help lists the family', async () => {
    const r = await server.ssh(['docker-options:help']);
    ok(r, 'help');
    assert.match(r.stdout, /docker-options:add <app> <phase\(s\)> OPTION +Add Docker option to app for phase/);
    assert.match(r.stdout, /docker-options:report \[<app>\] \[<flag>\]/);
  });
});
