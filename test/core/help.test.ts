// Help as Dokku prints it, over real ssh: a family's bare name, NAME:help and NAME --help print
// that family's help (core and plugin families alike), -v/--version print the version, and the
// description column starts two spaces after the longest command of the listing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, repoRoot } from '../helpers/server.js';
import { installPlugin } from '../helpers/fixtures.js';

/** The rows of a help listing: `    usage  description`. */
function rows(text: string): string[] {
  return text.split('\n').filter((l) => /^ {4}\S/.test(l));
}

describe('13: help as Dokku prints it', function () {
  this.timeout(120_000);
  let server: TestServer;

  before(async () => {
    server = await TestServer.start();
    const notes = path.join(repoRoot, 'test', 'fixtures', 'plugins', 'dokku-notes');
    const files: Record<string, string> = { commands: fs.readFileSync(path.join(notes, 'commands'), 'utf8') };
    installPlugin(server.home, 'notes', files);
  });
  after(async () => { await server?.stop(); });

  for (const family of ['git', 'ps', 'domains', 'ports', 'ssh-keys', 'scheduler', 'storage', 'trace', 'plugin', 'builder', 'config', 'apps']) {
    it(`13: \`${family}:help\` and \`${family} --help\` print ${family}'s help, exit 0${['config', 'apps'].includes(family) ? '' : `; so does a bare \`${family}\``}`, async () => {
      const help = await server.ssh([`${family}:help`]);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, new RegExp(`^Usage: dokku ${family}\\[:COMMAND\\]\\n\\n\\S.*\\n\\nAdditional commands:\\n`));
      assert.ok(rows(help.stdout).every((l) => l.startsWith(`    ${family}:`)), help.stdout);
      assert.deepEqual(await server.ssh([family, '--help']), help);
      // Dokku's apps and config are commands of their own (apps:list, config APP): not help.
      if (!['config', 'apps'].includes(family)) assert.deepEqual(await server.ssh([family]), help);
    });
  }

  it('13: ps:help lists every ps command, ps:inspect included (two core files, one family)', async () => {
    const listed = rows((await server.ssh(['ps:help'])).stdout).map((l) => l.trim().split(' ')[0]);
    for (const name of ['ps:inspect', 'ps:rebuild', 'ps:report', 'ps:restart', 'ps:scale', 'ps:start', 'ps:stop']) assert.ok(listed.includes(name), listed.join(' '));
  });

  it('13: a plugin family: bare name, NAME:help and NAME --help print the plugin\'s own help', async () => {
    const help = await server.ssh(['notes:help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: dokku notes\[:COMMAND\]/);
    assert.deepEqual(await server.ssh(['notes', '--help']), help);
    assert.deepEqual(await server.ssh(['notes']), help);
  });

  it('13: a name that is no family stays Dokku\'s "not a dokku command", exit 1', async () => {
    const r = await server.ssh(['nosuchfamily']);
    assert.deepEqual([r.code, r.stderr.split('\n')[0]], [1, ' !     `nosuchfamily` is not a dokku command.']);
  });

  it('13: -v and --version print "dokku version X" like version', async () => {
    const version = await server.ssh(['version']);
    assert.match(version.stdout, /^dokku version \S+/);
    assert.deepEqual(await server.ssh(['-v']), version);
    assert.deepEqual(await server.ssh(['--version']), version);
  });

  it('13: columns fit the longest command: descriptions start two spaces after it', async () => {
    for (const argv of [['help'], ['help', '--all'], ['trace:help'], ['git:help']]) {
      const lines = rows((await server.ssh(argv)).stdout).map((l) => /^ {4}(.*?) {2,}(\S.*)$/.exec(l)!);
      const longest = Math.max(...lines.map((m) => m[1].length));
      assert.ok(lines.every((m) => m[0].length - m[2].length === 4 + longest + 2), `${argv.join(' ')}:\n${lines.map((m) => m[0]).join('\n')}`);
    }
  });
});
