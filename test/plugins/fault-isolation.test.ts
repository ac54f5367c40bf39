// One broken plugin does not take the platform down (issue 12.6), through the real server and the
// real OpenSSH client: a plugin whose `commands` has a syntax error, one that exits 1 for everything
// and one whose `commands` is not executable answer only their own commands; a failing, garbled or
// hanging `report` trigger is one warning line while the other reports still print; `help` lists a
// broken plugin with a warning and reads it again once it is fixed; `trace:on` reaches the
// deploy-phase triggers of a real push.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, gitClientEnv } from '../helpers/server.js';
import { alive } from '../helpers/fixtures.js';
import { fixturesDir } from './helpers.js';

const WARN = ' !     ';
const BROKEN = ['broken-exit1', 'broken-noexec', 'broken-syntax'];
/** The deploy-phase triggers a push of a native app fires (once each). */
const DEPLOY_TRIGGERS = ['receive-branch', 'post-extract', 'pre-receive-app', 'pre-build', 'post-build', 'pre-deploy', 'check-deploy', 'post-deploy', 'receive-app'];

/** Copy a fixture plugin into available/NAME (scripts executable, unless listed in `plain`) and enable it. */
function installFixture(home: string, fixture: string, name: string, plain: string[] = []): string {
  const dir = path.join(home, 'lib', 'plugins', 'available', name);
  fs.cpSync(path.join(fixturesDir, fixture), dir, { recursive: true });
  for (const file of fs.readdirSync(dir)) {
    const script = fs.readFileSync(path.join(dir, file), 'utf8').startsWith('#!');
    fs.chmodSync(path.join(dir, file), script && !plain.includes(file) ? 0o755 : 0o644);
  }
  fs.mkdirSync(path.join(home, 'lib', 'plugins', 'enabled'), { recursive: true });
  fs.symlinkSync(dir, path.join(home, 'lib', 'plugins', 'enabled', name));
  return dir;
}

function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith(WARN));
}

describe('fault isolation: one broken plugin does not take the platform down', function () {
  this.timeout(180_000);
  let server: TestServer;
  let dirs: Record<string, string>;
  let reportData: string;

  before(async () => {
    // A short limit for help and report runs, so the hanging report trigger is stopped soon.
    server = await TestServer.start({ env: { SLIPWAY_PLUGIN_INFO_TIMEOUT: '3' } });
    dirs = {
      'broken-syntax': installFixture(server.home, 'dokku-broken-syntax', 'broken-syntax'),
      'broken-exit1': installFixture(server.home, 'dokku-broken-exit1', 'broken-exit1'),
      'broken-noexec': installFixture(server.home, 'dokku-broken-noexec', 'broken-noexec', ['commands']),
      'broken-report': installFixture(server.home, 'dokku-broken-report', 'broken-report'),
      steady: installFixture(server.home, 'dokku-steady', 'steady'),
    };
    reportData = path.join(server.home, 'lib', 'data', 'broken-report');
    fs.mkdirSync(reportData, { recursive: true });
    const created = await server.ssh(['apps:create', 'shop']);
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => { await server?.stop(); });

  it('an unknown command is still "not a dokku command" (exit 1), with no word from the broken plugins', async () => {
    const r = await server.ssh(['frobnicate', 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /`frobnicate x` is not a dokku command\./); // Dokku names the whole command line
    assert.doesNotMatch(r.stderr, /syntax error|everything fails|broken/);
  });

  it('the other plugins answer: listed commands, a hidden command (Dokku\'s fall-through), core commands', async () => {
    for (const [argv, expected] of [
      [['steady:hi'], 'steady says hi'],
      [['steady-secret'], 'steady answered a hidden command'],
      [['hello:world'], 'Hello world'],
      [['broken-report:hi'], 'broken-report says hi'],
    ] as const) {
      const r = await server.ssh([...argv]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, expected, ''], argv.join(' '));
    }
    const version = await server.ssh(['version']);
    assert.equal(version.code, 0, version.stderr);
  });

  it('a broken plugin still answers its own commands, with its own error', async () => {
    const exit1 = await server.ssh(['broken-exit1:anything']);
    assert.equal(exit1.code, 1);
    assert.match(exit1.stderr, /everything fails here/);
    const syntax = await server.ssh(['broken-syntax:hi']);
    assert.equal(syntax.code, 2);
    assert.match(syntax.stderr, /syntax error/);
    const noexec = await server.ssh(['broken-noexec:hi']);
    assert.equal(noexec.code, 1);
    assert.deepEqual(warnings(noexec.stderr), [`${WARN}Plugin broken-noexec cannot run broken-noexec:hi: its commands file is not executable (chmod +x commands)`]);
  });

  for (const mode of ['fail', 'garbage', 'hang'] as const) {
    it(`report APP with a report trigger that ${mode === 'fail' ? 'fails' : mode === 'garbage' ? 'prints garbage' : 'hangs'}: one warning line naming the plugin, the other reports print`, async () => {
      fs.writeFileSync(path.join(reportData, 'mode'), `${mode}\n`);
      const r = await server.ssh(['report', 'shop']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^=====> shop steady information$/m);
      assert.match(r.stdout, /^=====> shop ps information$/m);
      assert.match(r.stdout, /^=====> shop app information$/m);
      assert.doesNotMatch(r.stdout, /broken-report information|not a report/);
      assert.doesNotMatch(r.stdout, /[\x00-\x08\uFFFD]/);
      const reason = { fail: /exited 3: broken-report: cannot reach the report service/, garbage: /printed binary data, not a report/, hang: /did not answer within 3 s/ }[mode];
      const lines = warnings(r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^ ! {5}report trigger of plugin broken-report /);
      assert.match(lines[0], reason);
      if (mode === 'hang') {
        const pid = Number(fs.readFileSync(path.join(reportData, 'hung.pid'), 'utf8'));
        assert.equal(alive(pid), false, `the hung report trigger (${pid}) was stopped`);
      }
      for (const argv of [['steady:report', 'shop'], ['ps:report', 'shop'], ['apps:report', 'shop']]) {
        const own = await server.ssh(argv);
        assert.equal(own.code, 0, `${argv.join(' ')}: ${own.stderr}`);
        assert.match(own.stdout, /^=====> shop \S+ information$/m);
      }
    });
  }

  it('help lists each broken plugin by name with one warning line, and every working plugin', async () => {
    for (const argv of [['help'], ['help', '--all']]) {
      const r = await server.ssh(argv);
      assert.equal(r.code, 0, r.stderr);
      for (const name of BROKEN) assert.match(r.stdout, new RegExp(`^ {4}${name} +.*\\(not working\\)$`, 'm'), `${argv.join(' ')}: ${name}`);
      assert.match(r.stdout, argv.length === 1 ? /^ {4}steady +A plugin that keeps working$/m : /^ {4}steady:hi +Says hi$/m);
      assert.match(r.stdout, /^ {4}hello/m);
      const lines = warnings(r.stderr);
      assert.equal(lines.length, BROKEN.length, r.stderr);
      assert.match(r.stderr, /^ ! {5}Plugin broken-syntax is not working: its commands help exited 2: commands: line \d+: syntax error/m);
      assert.match(r.stderr, /^ ! {5}Plugin broken-exit1 is not working: its commands help exited 1: broken-exit1: everything fails here$/m);
      assert.match(r.stderr, /^ ! {5}Plugin broken-noexec is not working: its commands file is not executable \(chmod \+x commands\)$/m);
    }
  });

  it('help reads a broken plugin again once it is fixed in place (no restart, same plugin set)', async () => {
    const fixed = fs.readFileSync(path.join(dirs['broken-syntax'], 'commands'), 'utf8').replace(/^ {2}help$/m, '  help)');
    fs.writeFileSync(path.join(dirs['broken-syntax'], 'commands'), fixed);
    fs.chmodSync(path.join(dirs['broken-noexec'], 'commands'), 0o755);
    const r = await server.ssh(['help', '--all']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(warnings(r.stderr), [`${WARN}Plugin broken-exit1 is not working: its commands help exited 1: broken-exit1: everything fails here`]);
    assert.match(r.stdout, /^ {4}broken-syntax:hi +Says hi$/m);
    assert.match(r.stdout, /^ {4}broken-noexec:hi +Says hi$/m);
    for (const name of ['broken-syntax', 'broken-noexec']) {
      const hi = await server.ssh([`${name}:hi`]);
      assert.deepEqual([hi.code, hi.stdout], [0, `${name} says hi`], hi.stderr);
    }
  });

  it('trace:on reaches every deploy-phase trigger of a real push', async () => {
    for (const trigger of DEPLOY_TRIGGERS) fs.symlinkSync('trace-probe', path.join(dirs.steady, trigger));
    const log = path.join(server.home, 'lib', 'data', 'steady', 'triggers.log');
    const home = path.join(server.dir, 'client-home');
    fs.mkdirSync(home);
    const work = path.join(server.dir, 'work');
    fs.cpSync(path.join(fixturesDir, '..', 'apps', 'node-app'), work, { recursive: true });
    const git = (args: string[]) => execa('git', args, { cwd: work, env: gitClientEnv(server.admin, home), extendEnv: false, reject: false });
    for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'v1']]) {
      const r = await git(args);
      assert.equal(r.exitCode, 0, r.stderr);
    }
    assert.equal((await server.ssh(['trace:on'])).code, 0);
    try {
      const push = await git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/shop`, 'main']);
      assert.equal(push.exitCode, 0, push.stderr);
    } finally {
      assert.equal((await server.ssh(['trace:off'])).code, 0);
    }
    const fired = fs.readFileSync(log, 'utf8').trim().split('\n').sort();
    assert.deepEqual(fired, DEPLOY_TRIGGERS.map((name) => `${name} trace=1`).sort());
  });
});
