// plugin:install is all or nothing: every bad source is one clear error line, and the plugin set
// (plugin:list, the plugin folders, the enabled links) is exactly what it was before.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, type RunResult } from '../helpers/server.js';
import { HELLO_COMMANDS, makePluginRepo, makeTarball } from './helpers.js';

const PLAIN_TRIGGER = '#!/usr/bin/env bash\nset -eo pipefail; [[ $DOKKU_TRACE ]] && set -x\nexit 0\n';

describe('plugin:install refuses bad input and changes nothing', function () {
  this.timeout(180_000);
  let server: TestServer;
  let repos: string;
  let pluginsDir: string;

  function snapshot(): string[] {
    const walk = (dir: string): string[] => (fs.existsSync(dir)
      ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => [path.join(dir, d.name), ...(d.isDirectory() ? walk(path.join(dir, d.name)) : [])])
      : []);
    return walk(pluginsDir).sort();
  }

  /** Runs a bad install: one error line, exit 1, plugin:list and the plugin folders unchanged. */
  async function refused(args: string[], message: RegExp, code = 1): Promise<RunResult> {
    const listBefore = (await server.ssh(['plugin:list'])).stdout;
    const filesBefore = snapshot();
    const r = await server.ssh(['plugin:install', ...args]);
    assert.equal(r.code, code, `expected a refusal: ${r.stdout} ${r.stderr}`);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith(' !     '));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0], message);
    assert.equal((await server.ssh(['plugin:list'])).stdout, listBefore);
    assert.deepEqual(snapshot(), filesBefore);
    return r;
  }

  before(async () => {
    server = await TestServer.start();
    repos = path.join(server.dir, 'repos');
    pluginsDir = path.join(server.home, 'lib', 'plugins');
    // One good plugin first, so "unchanged" covers an installed plugin too.
    await makePluginRepo(path.join(repos, 'dokku-notes'), 'dokku-notes');
    const ok = await server.ssh(['plugin:install', `file://${path.join(repos, 'dokku-notes')}`]);
    assert.equal(ok.code, 0, ok.stderr);
  });
  after(async () => { await server?.stop(); });

  it('a URL that cannot be cloned', async () => {
    await refused([`file://${path.join(repos, 'dokku-missing')}`], /^ !     Cannot clone file:\/\/.*dokku-missing: .+/);
  });

  it('a plugin with no commands file and no trigger', async () => {
    const repo = await makePluginRepo(path.join(repos, 'dokku-empty'), undefined, {
      'plugin.toml': { text: '[plugin]\ndescription = "nothing"\nversion = "0.1.0"\n' },
      'README.md': { text: '# nothing to run\n' },
      'notes.txt': { text: 'not a trigger', mode: 0o755 },
    });
    await refused([repo], /^ !     Plugin empty has no commands file and no trigger executables: nothing to install$/);
  });

  for (const [label, args, name] of [
    ['a repo named like a core command set (apps)', ['dokku-apps'], 'apps'],
    ['--name of a core command set (config)', ['dokku-fine', '--name', 'config'], 'config'],
    ['a repo named like a core plugin (hello)', ['hello'], 'hello'],
  ] as const) {
    it(`a name clash with core: ${label}`, async () => {
      const repo = path.join(repos, args[0]);
      if (!fs.existsSync(repo)) await makePluginRepo(repo, undefined, { commands: { text: HELLO_COMMANDS, mode: 0o755 } });
      await refused([repo, ...args.slice(1)], new RegExp(`^ !     Plugin name ${name} is taken by a core plugin; choose another with --name$`));
    });
  }

  it('a commands file that is not executable', async () => {
    const repo = await makePluginRepo(path.join(repos, 'dokku-noexec'), undefined, {
      commands: { text: HELLO_COMMANDS, mode: 0o644 },
      install: { text: PLAIN_TRIGGER, mode: 0o755 },
    });
    await refused([repo], /^ !     Plugin noexec: its commands file is not executable \(chmod \+x commands\)$/);
  });

  it('a tarball with a ../ entry (nothing is written outside)', async () => {
    const tarball = await makeTarball(path.join(server.dir, 'evil.tar.gz'), [
      { name: 'commands', text: HELLO_COMMANDS, mode: 0o755 },
      { name: '../escaped', text: 'gotcha' },
    ]);
    await refused([tarball], /^ !     Archive entry \.\.\/escaped leaves the plugin folder \(\.\.\)$/);
    assert.equal(fs.existsSync(path.join(pluginsDir, 'available', 'escaped')), false);
    assert.equal(fs.existsSync(path.join(pluginsDir, 'escaped')), false);
  });

  it('a tarball with an absolute path', async () => {
    const tarball = await makeTarball(path.join(server.dir, 'abs.tar.gz'), [{ name: '/tmp/slipway-abs-entry', text: 'x' }]);
    await refused([tarball], /^ !     Archive entry \/tmp\/slipway-abs-entry has an absolute path$/);
    assert.equal(fs.existsSync('/tmp/slipway-abs-entry'), false);
  });

  it('a tarball whose symlink leaves the plugin, or that writes through a symlink', async () => {
    const out = await makeTarball(path.join(server.dir, 'link-out.tar.gz'), [
      { name: 'commands', text: HELLO_COMMANDS, mode: 0o755 },
      { name: 'passwd', type: 'symlink', linkname: '../../../../../../etc/passwd' },
    ]);
    await refused([out], /^ !     Archive entry passwd is a symlink that leaves the plugin folder$/);
    const through = await makeTarball(path.join(server.dir, 'link-through.tar.gz'), [
      { name: 'commands', text: HELLO_COMMANDS, mode: 0o755 },
      { name: 'sub', type: 'directory' },
      { name: 'here', type: 'symlink', linkname: 'sub' },
      { name: 'here/file', text: 'x' },
    ]);
    await refused([through], /^ !     Archive entry here\/file goes through a symlink$/);
    const chain = await makeTarball(path.join(server.dir, 'link-chain.tar.gz'), [
      { name: 'commands', text: HELLO_COMMANDS, mode: 0o755 },
      { name: 'a/b', type: 'symlink', linkname: '..' },
      { name: 'up', type: 'symlink', linkname: 'a/b/..' },
    ]);
    await refused([chain], /^ !     Plugin file up is a symlink that leaves the plugin folder$/);
  });

  it('a failing install trigger leaves nothing installed (exit status is the trigger\'s)', async () => {
    const repo = await makePluginRepo(path.join(repos, 'dokku-brokeninstall'), undefined, {
      commands: { text: HELLO_COMMANDS, mode: 0o755 },
      install: { text: '#!/usr/bin/env bash\necho "cannot set up" >&2\nexit 3\n', mode: 0o755 },
    });
    const r = await refused([repo], /^ !     Plugin brokeninstall was not installed: its install trigger failed \(exit 3\)$/, 3);
    assert.match(r.stderr, /^cannot set up$/m, 'the trigger\'s own stderr reaches the user');
  });

  it('a committish that does not exist', async () => {
    await refused([path.join(repos, 'dokku-notes'), '--name', 'notes2', '--committish', 'no-such-tag'], /^ !     Cannot check out no-such-tag: .+/);
  });

  it('a relative path, or a source that looks like an option', async () => {
    await refused(['relative/dir'], /^ !     Plugin source relative\/dir must be a git URL, a file:\/\/ URL or an absolute path$/);
    await refused(["'--upload-pack=touch /tmp/x'"], /^ !     Invalid plugin source: --upload-pack=touch \/tmp\/x$/);
  });

  it('an invalid plugin name', async () => {
    await refused([path.join(repos, 'dokku-notes'), '--name', 'Bad.Name'], /^ !     Invalid plugin name Bad\.Name: /);
  });
});
