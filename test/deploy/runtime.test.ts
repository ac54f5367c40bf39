// Running apps after a deploy, as a user drives them: ps:scale, ps:stop/start, config:set restarts,
// logs, run, domains, a redeploy under load, a server restart, and many apps at once.
import assert from 'node:assert/strict';
import { Harness, Repo, get, eventually } from './helpers.js';
import { boot } from '../../src/boot.js';
import { loadSettings } from '../../src/settings.js';
import { parseAppName } from '../../src/names.js';
import { PassThrough, Writable } from 'node:stream';

describe('running apps (ps, logs, run, domains, restarts)', function () {
  this.timeout(180_000);
  let h: Harness;

  before(async () => { h = await Harness.start(); });
  after(async () => { await h?.stop(); });

  it('ps:scale web=2 starts two web processes and the proxy round-robins between them', async () => {
    const app = await h.createApp('scaled');
    await h.deploy(app, await Repo.from('node-app', h.dir));
    const scaled = await h.command(['ps:scale', 'scaled', 'web=2', 'worker=1']);
    assert.equal(scaled.code, 0, scaled.stderr);
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await get(h.port, 'scaled.localhost')).body);
    assert.deepEqual([...bodies].sort(), ['v1 web.1', 'v1 web.2']);
    const show = await h.command(['ps:scale', 'scaled']);
    assert.match(show.stdout, /^web:  2\nworker: 1$/m);
    const report = await h.command(['ps:report', 'scaled']);
    assert.match(report.stdout, /Status worker 1: +running/);
    const bad = await h.command(['ps:scale', 'scaled', 'nope=1']);
    assert.deepEqual([bad.code, bad.stderr], [1, ' !     nope not found in the Procfile of scaled (types: web, worker)\n']);
  });

  it('ps:stop answers 503 (and stays stopped across a server restart); ps:start serves again', async () => {
    const app = await h.createApp('pausable');
    await h.deploy(app, await Repo.from('node-app', h.dir));
    assert.equal((await h.command(['ps:stop', 'pausable'])).code, 0);
    const stopped = await get(h.port, 'pausable.localhost');
    assert.equal(stopped.status, 503);
    assert.match(stopped.body, /pausable has no running web processes/);
    assert.equal((await h.platform.control.status(app)).instances.length, 0);
    const started = await h.command(['ps:start', 'pausable']);
    assert.equal(started.code, 0, started.stderr);
    assert.equal((await get(h.port, 'pausable.localhost')).status, 200);
  });

  it('config:set restarts the app with the new value; logs show its output; run sees the config', async () => {
    const app = await h.createApp('configured');
    await h.deploy(app, await Repo.from('node-app', h.dir));
    const set = await h.command(['config:set', 'configured', 'GREETING=bonjour']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /-----> Restarting configured/);
    assert.equal((await get(h.port, 'configured.localhost', '/after-restart')).body, 'v1 web.1 bonjour');

    const logs = await h.command(['logs', 'configured', '-n', '50', '-p', 'web']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /^\S+Z app\[web\.1\]: request GET \/after-restart$/m);
    assert.match(logs.stdout, /app\[web\.1\]: listening on \d+ version v1/);

    const run = await h.command(['run', 'configured', 'echo "$GREETING from $DYNO in $(cat version.txt)"; exit 3']);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /^bonjour from run\.\d+ in v1\n$/);
    const piped = await h.command(['run', 'configured', 'tr', 'a-z', 'A-Z'], { stdin: 'shout\n' });
    assert.deepEqual([piped.code, piped.stdout], [0, 'SHOUT\n']);
  });

  it('logs -t follows new lines until the client goes away', async () => {
    const app = await h.createApp('followed');
    await h.deploy(app, await Repo.from('node-app', h.dir));
    const controller = new AbortController();
    let seen = '';
    const following = h.platform.control.logs(app, { lines: 0, follow: true }, (line) => { seen += `${line}\n`; }, controller.signal);
    await eventually(async () => {
      await get(h.port, 'followed.localhost', '/live');
      return seen.includes('request GET /live') ? true : undefined;
    });
    controller.abort();
    await following;
  });

  it('domains:add routes a new hostname; urls lists them; domains:set-global changes the default', async () => {
    const app = await h.createApp('named');
    await h.deploy(app, await Repo.from('node-app', h.dir));
    const add = await h.command(['domains:add', 'named', 'www.example.test']);
    assert.equal(add.code, 0, add.stderr);
    assert.equal((await get(h.port, 'www.example.test')).body, 'v1 web.1');
    assert.equal((await get(h.port, 'named.localhost')).status, 200);
    const urls = await h.command(['urls', 'named']);
    assert.equal(urls.stdout, `http://named.localhost:${h.port}\nhttp://www.example.test:${h.port}\n`);
    const taken = await h.command(['domains:add', 'scaled', 'www.example.test']);
    assert.deepEqual([taken.code, taken.stderr], [1, ' !     www.example.test is already used by app named\n']);
    assert.equal((await h.command(['domains:remove', 'named', 'www.example.test'])).code, 0);
    assert.equal((await get(h.port, 'www.example.test')).status, 404);
    // Apps without their own domains follow the global domain.
    assert.equal((await h.command(['domains:set-global', 'example.org'])).code, 0);
    assert.equal((await get(h.port, 'scaled.example.org')).status, 200);
    assert.equal((await get(h.port, 'named.localhost')).status, 200, 'named has its own domains now');
    assert.equal((await h.command(['domains:set-global', 'localhost'])).code, 0);
    assert.equal((await get(h.port, 'scaled.localhost')).status, 200);
  });

  it('redeploys under a steady request loop with zero failed requests', async () => {
    const app = await h.createApp('steady');
    await h.services.store.config.update(app, (env) => { env.set('DOKKU_WAIT_TO_RETIRE', '1'); return true; });
    const repo = await Repo.from('node-app', h.dir);
    await h.deploy(app, repo);
    let running = true;
    const failures: string[] = [];
    const versions = new Set<string>();
    let requests = 0;
    const loop = (async () => {
      while (running) {
        requests++;
        try {
          const reply = await get(h.port, 'steady.localhost');
          if (reply.status !== 200) failures.push(`${reply.status} ${reply.body}`);
          else versions.add(reply.body.split(' ')[0]);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    })();
    for (const version of ['v2', 'v3']) {
      await repo.commit({ 'version.txt': `${version}\n` });
      await h.deploy(app, repo);
    }
    // Keep going until the retired generations are gone, so their shutdown is covered too.
    await eventually(async () => ((await h.platform.control.status(app)).retiring === 0 ? true : undefined));
    running = false;
    await loop;
    assert.deepEqual(failures, []);
    assert.ok(versions.has('v3'), [...versions].join(','));
    assert.ok(requests > 10);
  });

  it('ten apps deployed at once all serve', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `many${i}`);
    const apps = await Promise.all(names.map((n) => h.createApp(n)));
    const repo = await Repo.from('node-app', h.dir);
    await Promise.all(apps.map((app) => h.deploy(app, repo)));
    const replies = await Promise.all(names.map((n) => get(h.port, `${n}.localhost`)));
    assert.deepEqual(replies.map((r) => r.status), names.map(() => 200));
  });

  it('apps:rename moves the processes and the route; apps:destroy stops them and frees the host', async () => {
    const app = await h.createApp('oldname');
    await h.deploy(app, await Repo.from('node-app', h.dir));
    const renamed = await h.command(['apps:rename', 'oldname', 'newname']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal((await get(h.port, 'newname.localhost')).body, 'v1 web.1');
    assert.equal((await get(h.port, 'oldname.localhost')).status, 404);
    const destroyed = await h.command(['--force', 'apps:destroy', 'newname']);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.equal((await get(h.port, 'newname.localhost')).status, 404);
    assert.deepEqual((await h.platform.control.status(parseAppName('newname'))).instances, []);
  });

  it('a restarted platform (same data dir) brings running apps back; stopped ones stay stopped', async () => {
    await h.close();
    await h.boot();
    await h.platform.restore();
    assert.equal((await get(h.port, 'scaled.localhost')).status, 200);
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await get(h.port, 'scaled.localhost')).body);
    assert.deepEqual([...bodies].sort(), ['v1 web.1', 'v1 web.2'], 'the scale came back too');
    assert.equal((await get(h.port, 'configured.localhost')).body, 'v1 web.1 bonjour');
    assert.equal((await get(h.port, 'site.localhost')).status, 404, 'never deployed here');
    assert.equal((await h.command(['ps:stop', 'pausable'])).code, 0);
    await h.close();
    await h.boot();
    await h.platform.restore();
    assert.equal((await get(h.port, 'pausable.localhost')).status, 503);
    assert.equal((await get(h.port, 'many3.localhost')).status, 200);
  });

  it('without a server, commands that need it say so (and help still lists them)', async () => {
    const local = boot(loadSettings(h.env, h.dir));
    let stderr = '';
    let stdout = '';
    const io = {
      stdin: new PassThrough(),
      stdout: new Writable({ write(c: Buffer, _e, done) { stdout += c.toString(); done(); } }),
      stderr: new Writable({ write(c: Buffer, _e, done) { stderr += c.toString(); done(); } }),
      tty: false,
    };
    const identity = { user: 'root', keyName: 'admin', fingerprint: '', admin: true, remote: false };
    const code = await local.router.run({ argv: ['ps:scale', 'scaled', 'web=1'], identity, io, signal: new AbortController().signal });
    assert.deepEqual([code, stderr], [1, ' !     the Slipway server is not running\n']);
    await local.router.run({ argv: ['help'], identity, io, signal: new AbortController().signal });
    for (const name of ['ps', 'logs', 'run', 'domains', 'releases', 'urls']) assert.match(stdout, new RegExp(`^ {4}${name} `, 'm'));
  });
});
