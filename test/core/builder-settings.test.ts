// builder:set build-dir and builder-dockerfile:set dockerfile-path as Dokku has them (real server,
// OpenSSH, git push): a monorepo folder becomes the build root, a Dockerfile kept elsewhere is
// used, a missing folder or file fails the push with Dokku's words and the old release serves.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, repoRoot } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';
import { get } from '../deploy/helpers.js';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';

const fixture = (name: string) => fs.readFileSync(path.join(repoRoot, 'test', 'fixtures', 'apps', 'node-app', name), 'utf8');

/** node-app under apps/web, plus a root Procfile that would fail if the root were built. */
const monorepo = {
  'README.md': 'the repository root\n',
  Procfile: 'web: node does-not-exist.cjs\n',
  'apps/web/Procfile': 'web: node server.cjs\n',
  'apps/web/server.cjs': fixture('server.cjs'),
  'apps/web/version.txt': 'web-folder\n',
};

describe('builder:set build-dir and builder-dockerfile:set dockerfile-path (real server, git push, OpenSSH)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let docker: DockerClient | undefined;
  let mono: AppWork;
  /** Writes the files into the monorepo's work tree, commits and pushes to `mono`. */
  const pushChange = async (files: Record<string, string>) => {
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(mono.work, name), content);
    for (const args of [['add', '-A'], ['commit', '-q', '-m', 'change']]) assert.equal((await mono.git(args)).exitCode, 0);
    return mono.push('mono');
  };
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => { server = await TestServer.start({ env: { SLIPWAY_DOCKER_NETWORK: 'host' } }); });
  after(async () => {
    await server?.stop();
    if (docker !== undefined && (await docker.ping())) await docker.removeByLabels({ [LABEL.app]: `dfpath-${TEST_RUN}`.toLowerCase() });
  });

  it('build-dir: the folder is the build root, the rest of the tree is gone; report shows it', async () => {
    await ok(['apps:create', 'mono']);
    assert.equal((await ok(['builder:set', 'mono', 'build-dir', 'apps/web'])).stdout, '=====> Setting build-dir to apps/web');
    mono = await appWork(server, { fixture: null, files: monorepo });
    const push = await mono.push('mono');
    assert.equal(push.exitCode, 0, String(push.stderr));
    assert.match(String(push.stderr), /Building from apps\/web \(build-dir\)/);
    assert.equal((await get(server.httpPort, 'mono.localhost')).body, 'web-folder web.1');
    const listing = (await ok(['run', 'mono', 'ls', '-A'])).stdout.split('\n').sort();
    assert.deepEqual(listing, ['Procfile', 'server.cjs', 'version.txt'], 'the release holds the folder\'s files only');
    assert.equal((await ok(['builder:report', 'mono', '--builder-build-dir'])).stdout, 'apps/web');
    assert.equal((await ok(['builder:report', 'mono', '--builder-computed-build-dir'])).stdout, 'apps/web');
    const json = JSON.parse((await ok(['builder:report', 'mono', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json['builder-build-dir'], 'apps/web');
  });

  it('build-dir: a folder the tree lacks fails the push with Dokku\'s message; the old release serves', async () => {
    await ok(['builder:set', 'mono', 'build-dir', 'apps/api']);
    const push = await pushChange({ 'apps/web/version.txt': 'second\n' });
    assert.notEqual(push.exitCode, 0);
    assert.match(String(push.stderr), /Specified build-dir not found in sourcecode working directory: apps\/api/);
    assert.equal((await get(server.httpPort, 'mono.localhost')).body, 'web-folder web.1');
    assert.equal((await ok(['builder:set', 'mono', 'build-dir'])).stdout, '=====> Unsetting build-dir');
    assert.equal((await ok(['builder:report', 'mono', '--builder-build-dir'])).stdout, '');
  });

  it('a global build-dir applies to apps without their own; the app\'s own wins', async () => {
    await ok(['builder:set', '--global', 'build-dir', 'apps/web']);
    try {
      assert.equal((await ok(['builder:report', 'mono', '--builder-computed-build-dir'])).stdout, 'apps/web');
      assert.equal((await ok(['builder:report', 'mono', '--builder-global-build-dir'])).stdout, 'apps/web');
      await ok(['builder:set', 'mono', 'build-dir', 'elsewhere']);
      assert.equal((await ok(['builder:report', 'mono', '--builder-computed-build-dir'])).stdout, 'elsewhere');
    } finally {
      await ok(['builder:set', '--global', 'build-dir']);
      await ok(['builder:set', 'mono', 'build-dir']);
    }
  });

  it('refuses as Dokku does: no property, an unknown property, a path leaving the repo, no app', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['builder:set', 'mono'], /No property specified/],
      [['builder:set', 'mono', 'nope', 'x'], /Invalid property specified, valid properties include: build-dir, selected/],
      [['builder:set', 'mono', 'build-dir', '../outside'], /Invalid build-dir/],
      [['builder:set', 'ghost', 'build-dir', 'x'], /App ghost does not exist/],
      [['builder-dockerfile:set', 'mono'], /No key specified/],
      [['builder-dockerfile:set', 'mono', 'nope', 'x'], /Invalid key specified, valid keys include: dockerfile-path/],
      [['builder-dockerfile:set', 'mono', 'dockerfile-path', '/etc/passwd'], /Invalid dockerfile-path/],
    ];
    for (const [args, message] of cases) {
      const r = await server.ssh(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
    assert.equal((await ok(['builder:report', 'mono', '--builder-build-dir'])).stdout, '', 'nothing was stored');
  });

  it('dockerfile-path: a missing file fails the push with Dokku\'s message; report shows the computed default', async () => {
    assert.equal((await ok(['builder-dockerfile:report', 'mono', '--builder-dockerfile-computed-dockerfile-path'])).stdout, 'Dockerfile');
    await ok(['builder-dockerfile:set', 'mono', 'dockerfile-path', 'docker/web.Dockerfile']);
    assert.equal((await ok(['builder-dockerfile:report', 'mono', '--builder-dockerfile-dockerfile-path'])).stdout, 'docker/web.Dockerfile');
    const push = await pushChange({ 'apps/web/version.txt': 'third\n' });
    assert.notEqual(push.exitCode, 0);
    assert.match(String(push.stderr), /Invalid dockerfile-path specified: docker\/web.Dockerfile/);
    assert.equal((await get(server.httpPort, 'mono.localhost')).body, 'web-folder web.1', 'the old release serves');
    await ok(['builder-dockerfile:set', 'mono', 'dockerfile-path']);
  });

  it('build-dir and dockerfile-path together build a Dockerfile kept in a monorepo folder (real Docker Engine)', async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    const app = `dfpath-${TEST_RUN}`.toLowerCase();
    const web = path.join(repoRoot, 'test', 'fixtures', 'docker', 'web-app');
    const files: Record<string, string> = { 'README.md': 'root\n', 'services/web/deploy/web.Dockerfile': fs.readFileSync(path.join(web, 'Dockerfile'), 'utf8') };
    for (const name of fs.readdirSync(path.join(web, 'www'))) files[`services/web/www/${name}`] = fs.readFileSync(path.join(web, 'www', name), 'utf8');
    await ok(['apps:create', app]);
    await ok(['scheduler:set', app, 'selected', 'docker-local']);
    await ok(['builder:set', app, 'build-dir', 'services/web']);
    await ok(['builder-dockerfile:set', app, 'dockerfile-path', 'deploy/web.Dockerfile']);
    const push = await (await appWork(server, { fixture: null, files })).push(app);
    assert.equal(push.exitCode, 0, String(push.stderr));
    assert.match(String(push.stderr), /Using deploy\/web.Dockerfile as the Dockerfile/);
    const reply = await get(server.httpPort, `${app}.localhost`, '/greeting.txt');
    assert.deepEqual(reply, { status: 200, body: 'unset\n' });
    await ok(['apps:destroy', app, '--force']);
  });
});
