// logs:failed as Dokku documents it (real server, OpenSSH, git push): the header, the output of the
// processes of the last start that failed its checks, Dokku's warning when there is none, `--all`
// app by app, and the record forgotten once the app starts again.
import assert from 'node:assert/strict';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';

describe('logs:failed (real server, git push, OpenSSH)', function () {
  this.timeout(240_000);
  let server: TestServer;

  const run = async (args: string[]) => server.ssh(args);

  before(async () => {
    server = await TestServer.start();
    const steady = await (await appWork(server)).push('steady');
    assert.equal(steady.exitCode, 0, String(steady.stderr));
    const broken = await (await appWork(server, { fixture: 'failing-start' })).push('broken');
    assert.notEqual(broken.exitCode, 0, 'the failing-start push must fail');
    const talk = "for (let i = 0; i < 50; i++) console.log(`line ${i}`);\nprocess.exit(1);\n";
    const chatty = await (await appWork(server, { fixture: null, files: { Procfile: 'web: node talk.cjs\n', 'talk.cjs': talk } })).push('chatty');
    assert.notEqual(chatty.exitCode, 0, 'the chatty push must fail');
    // The pusher sees the last 20 lines of each process.
    assert.match(String(chatty.stderr), /Last 20 output lines of web\.1:/);
  });
  after(async () => { await server?.stop(); });

  it('shows the failed processes\' raw output under Dokku\'s header', async () => {
    const r = await run(['logs:failed', 'broken']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], '=====> broken failed deploy logs');
    assert.ok(lines.length > 1);
    // Raw, as `docker logs` prints it: no timestamp or process prefix (the process engine adds its
    // supervisor's own lines about the exits).
    assert.ok(lines.includes('starting up, then failing on purpose'), r.stdout);
    for (const line of lines.slice(1)) assert.match(line, /^(starting up, then failing on purpose|\[slipway\] web\.1 .*)$/);
    assert.equal(r.stderr, '');
    const quiet = await run(['--quiet', 'logs:failed', 'broken']);
    assert.equal(quiet.code, 0);
    assert.match(quiet.stdout, /^starting up, then failing on purpose$/m);
    assert.doesNotMatch(quiet.stdout, /failed deploy logs/);
  });

  it('keeps more than the pusher saw: on the process scheduler each process\'s last 200 lines', async () => {
    const r = await run(['logs:failed', 'chatty']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => /^line \d+$/.test(l));
    assert.deepEqual(lines.slice(0, 50), Array.from({ length: 50 }, (_, i) => `line ${i}`));
  });

  it('says Dokku\'s words for an app without a failed deploy, and refuses a missing or absent app', async () => {
    const r = await run(['logs:failed', 'steady']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '=====> steady failed deploy logs', ' !     No failed containers found']);
    const none = await run(['logs:failed']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     Please specify an app to run the command on']);
    const ghost = await run(['logs:failed', 'ghost']);
    assert.equal(ghost.stderr, ' !     App ghost does not exist');
    assert.notEqual(ghost.code, 0);
  });

  it('--all runs it against every app in turn', async () => {
    const r = await run(['logs:failed', '--all']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----> Running logs:failed against app broken\n=====> broken failed deploy logs\nstarting up, then failing on purpose$/m);
    assert.match(r.stdout, /^-----> Running logs:failed against app steady\n=====> steady failed deploy logs$/m);
    assert.equal(r.stderr, ' !     No failed containers found');
  });

  it('a later start of the app forgets the failed one', async () => {
    const work = await appWork(server);
    const pushed = await work.git(['push', '--force', `ssh://dokku@127.0.0.1:${server.sshPort}/broken`, 'main']);
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
    const r = await run(['logs:failed', 'broken']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '=====> broken failed deploy logs', ' !     No failed containers found']);
  });
});
