// git:from-archive as a CI job uses it (real server, OpenSSH, real git): a tar piped on stdin, a
// tar.gz with a top-level folder, a file:// URL, a zip (zip(1)'s, and hand-made unsafe ones); each committed onto the deploy branch as Dokku's
// automated commit and deployed. Corrupt, unsafe or unchanged archives and a failing build move
// nothing: the old release keeps serving.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { execa } from 'execa';
import tar from 'tar-stream';
import { TestServer, makeKey, sshOptions, type ClientKey, type RunResult } from '../helpers/server.js';
import { fixtures, get } from '../deploy/helpers.js';
import { makeZip } from '../helpers/zip.js';

/** A tar of dir (entries relative to it, optionally under prefix/). */
async function tarOf(dir: string, prefix = ''): Promise<Buffer> {
  const r = await execa('tar', ['-C', dir, '--owner=0', '--group=0', '-cf', '-', ...(prefix ? ['--transform', `s,^\\.,${prefix},`] : []), '.'], { encoding: 'buffer' });
  return Buffer.from(r.stdout);
}

/** A tar made entry by entry (for entries tar(1) would not write). */
async function handMade(entries: Array<{ name: string; body?: string; linkname?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.linkname) pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else pack.entry({ name: e.name }, e.body ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('git:from-archive (real server, OpenSSH, real git)', function () {
  this.timeout(240_000);
  let server: TestServer;
  let app: string;

  const ssh = async (args: string[], input: Buffer = Buffer.alloc(0), key: ClientKey = server.admin): Promise<RunResult> => {
    const r = await execa('ssh', [...sshOptions(server.sshPort, key), '--', 'dokku@127.0.0.1', ...args], { reject: false, input, timeout: 120_000 });
    return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const served = async () => (await get(server.httpPort, 'arch.localhost')).body;
  const sha = async () => (await server.ssh(['git:report', 'arch', '--git-sha'])).stdout;
  const gitLog = (format: string) => execa('git', ['--git-dir', path.join(server.home, 'home', 'arch'), 'log', '-1', `--format=${format}`, 'refs/heads/master'], { reject: false });
  /** The node app with version.txt = version, in a fresh folder. */
  const appDir = (version: string): string => {
    const dir = fs.mkdtempSync(path.join(server.dir, 'src-'));
    fs.cpSync(path.join(fixtures, 'node-app'), dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'version.txt'), `${version}\n`);
    return dir;
  };
  const state = async () => ({ sha: await sha(), body: await served(), release: (await server.ssh(['ps:report', 'arch', '--ps-release'])).stdout });

  before(async () => {
    server = await TestServer.start();
    app = 'arch';
    assert.equal((await server.ssh(['apps:create', app])).code, 0);
  });
  after(async () => { await server?.stop(); });

  it('a tar on stdin (--) is committed as Dokku\'s initial commit and deployed', async () => {
    const r = await ssh(['git:from-archive', app, '--'], await tarOf(appDir('v1')));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----> Fetching tar file from stdin$/m);
    assert.match(r.stdout, /^-----> Generating build context$/m);
    assert.match(r.stdout, /^-----> Updating git repository with specified build context$/m);
    assert.match(r.stdout, /Application deployed:/);
    assert.equal(await served(), 'v1 web.1');
    assert.equal((await gitLog('%an <%ae>|%cn <%ce>|%s')).stdout, 'Dokku <automated@dokku.sh>|Dokku <automated@dokku.sh>|Initial commit');
    assert.equal((await server.ssh(['config:get', app, 'GIT_REV'])).stdout, await sha());
  });

  it('a tar.gz with one top-level folder (-) is stripped, committed on top with the given author, deployed', async () => {
    const first = await sha();
    const gz = zlib.gzipSync(await tarOf(appDir('v2'), 'project-main'));
    const r = await ssh(['git:from-archive', '--archive-type', 'tar.gz', app, '-', "'CI Bot'", 'ci@example.invalid'], gz);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {7}Stripping top-level archive folder components$/m);
    assert.equal(await served(), 'v2 web.1');
    const log = (await gitLog('%an <%ae>|%P|%s')).stdout.split('|');
    assert.deepEqual(log.slice(0, 2), ['CI Bot <ci@example.invalid>', first]);
    assert.match(log[2], /^Automated commit @ \d+$/);
  });

  it('a file:// URL is read by the server (admin keys)', async () => {
    const file = path.join(server.dir, 'v3.tar');
    fs.writeFileSync(file, await tarOf(appDir('v3')));
    const r = await ssh(['git:from-archive', app, `file://${file}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^-----> Downloading tar file from file://${file}$`, 'm'));
    assert.equal(await served(), 'v3 web.1');
  });

  it('the same content again: Dokku\'s "No changes detected", exit 1, nothing deployed', async () => {
    const before = await state();
    const r = await ssh(['git:from-archive', app, '--'], await tarOf(appDir('v3')));
    assert.equal(r.code, 1);
    assert.equal(r.stderr, [' !     No changes detected, skipping git commit', ' !     Call \'ps:rebuild\' on app to rebuild the app from existing source'].join('\n'));
    assert.deepEqual(await state(), before);
  });

  it('a corrupt archive, an unsafe one and a failing build move nothing; the old release serves', async () => {
    const before = await state();
    const corrupt = await ssh(['git:from-archive', app, '--'], Buffer.from('this is not a tar archive at all, just some text that goes on\n'.repeat(20)));
    assert.equal(corrupt.code, 1);
    assert.match(corrupt.stderr, /^ ! {5}Unable to extract the archive: /);
    const empty = await ssh(['git:from-archive', app, '--'], await handMade([]));
    assert.deepEqual([empty.code, empty.stderr], [1, ' !     The archive holds no files']);
    const escape = await ssh(['git:from-archive', app, '--'], await handMade([{ name: 'Procfile', body: 'web: node server.cjs\n' }, { name: '../evil.txt', body: 'x' }]));
    assert.equal(escape.code, 1);
    assert.match(escape.stderr, /Refusing archive entry \.\.\/evil\.txt/);
    assert.equal(fs.existsSync(path.join(server.dir, 'evil.txt')), false);
    const link = await ssh(['git:from-archive', app, '--'], await handMade([{ name: 'Procfile', body: 'web: node server.cjs\n' }, { name: 'passwd', linkname: '/etc/passwd' }]));
    assert.equal(link.code, 1);
    assert.match(link.stderr, /Refusing archive entry passwd/);
    const broken = appDir('v-broken');
    fs.cpSync(path.join(fixtures, 'failing-start'), broken, { recursive: true });
    const failing = await ssh(['git:from-archive', app, '--'], await tarOf(broken));
    assert.equal(failing.code, 1, failing.stdout);
    assert.deepEqual(await state(), before);
    assert.equal((await server.ssh(['config:get', app, 'GIT_REV'])).stdout, before.sha);
  });

  it('errors as Dokku: missing app, missing url, bad archive type; odd schemes refused clearly', async () => {
    const missing = await ssh(['git:from-archive', 'ghost', '--']);
    assert.deepEqual([missing.code, missing.stderr], [20, ' !     App ghost does not exist']);
    const noUrl = await ssh(['git:from-archive', app]);
    assert.deepEqual([noUrl.code, noUrl.stderr], [1, ' !     Please specify an archive url or -- to fetch the archive from stdin']);
    const type = await ssh(['git:from-archive', '--archive-type', 'rar', app, '--']);
    assert.deepEqual([type.code, type.stderr], [1, ' !     Invalid archive type specified, valid archive types include: tar, tar.gz, zip']);
    const ftp = await ssh(['git:from-archive', app, 'ftp://127.0.0.1/app.tar']);
    assert.deepEqual([ftp.code, ftp.stderr], [1, ' !     Unsupported archive url scheme ftp: use http, https or file, or -- for stdin']);
    const absent = await ssh(['git:from-archive', app, `file://${server.dir}/absent.tar`]);
    assert.equal(absent.code, 1);
    assert.match(absent.stderr, /Cannot read file:\/\/.*absent\.tar: ENOENT/);
  });

  it('a zip from zip(1) with a top-level folder and a symlink deploys (--archive-type zip)', async () => {
    const dir = appDir('v-zip');
    fs.symlinkSync('version.txt', path.join(dir, 'VERSION'));
    const parent = fs.mkdtempSync(path.join(server.dir, 'zip-'));
    fs.renameSync(dir, path.join(parent, 'project-main'));
    const file = path.join(server.dir, 'app.zip');
    await execa('zip', ['-q', '-r', '-y', file, 'project-main'], { cwd: parent });
    const r = await ssh(['git:from-archive', '--archive-type', 'zip', app, '--'], fs.readFileSync(file));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^-----> Fetching zip file from stdin$/m);
    assert.match(r.stdout, /Stripping top-level archive folder components/);
    assert.equal(await served(), 'v-zip web.1');
    const tree = await execa('git', ['--git-dir', path.join(server.home, 'home', 'arch'), 'ls-tree', 'refs/heads/master', 'VERSION', 'server.cjs']);
    assert.match(tree.stdout, /^120000 blob \S+\tVERSION$/m);
    assert.match(tree.stdout, /^100644 blob \S+\tserver\.cjs$/m);
  });

  it('an unsafe or oversized zip is refused before anything is written; nothing moves', async () => {
    const before = await state();
    const procfile = { name: 'Procfile', body: 'web: node server.cjs\n' };
    const cases: Array<[string, Buffer, RegExp]> = [
      ['dotdot', makeZip([procfile, { name: '../evil.txt', body: 'x' }]), /^ ! {5}Refusing archive entry \.\.\/evil\.txt: it would reach outside the build context/],
      ['absolute', makeZip([procfile, { name: '/tmp/evil.txt', body: 'x' }]), /^ ! {5}Refusing archive entry \/tmp\/evil\.txt/],
      ['link out', makeZip([procfile, { name: 'passwd', body: '/etc/passwd', mode: 0o120777 }]), /^ ! {5}Refusing archive entry passwd/],
      ['link up', makeZip([procfile, { name: 'up', body: '../..', mode: 0o120777 }]), /^ ! {5}Refusing archive entry up/],
      ['fifo', makeZip([procfile, { name: 'pipe', mode: 0o010644 }]), /^ ! {5}Refusing archive entry pipe: unsupported entry type special/],
      ['not a zip', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 1)]), /^ ! {5}Unable to extract the archive: /],
    ];
    for (const [what, zip, message] of cases) {
      const r = await ssh(['git:from-archive', '--archive-type', 'zip', app, '--'], zip);
      assert.equal(r.code, 1, what);
      assert.match(r.stderr, message, what);
    }
    assert.equal(fs.existsSync('/tmp/evil.txt'), false);
    assert.equal(fs.existsSync(path.join(server.dir, 'evil.txt')), false);
    // A 4 MB file that deflates to a few KB: refused by its declared size, before it is inflated.
    assert.equal((await server.ssh(['git:set', '--global', 'archive-max-size', '1000000'])).code, 0);
    try {
      const bomb = makeZip([procfile, { name: 'zeros.bin', body: Buffer.alloc(4_000_000), deflate: true }]);
      assert.ok(bomb.length < 100_000);
      const r = await ssh(['git:from-archive', app, '--'], bomb);
      assert.deepEqual([r.code, r.stderr.split('\n').pop()], [1, ' !     Archive exceeds maximum allowed size of 1000000 bytes']);
    } finally {
      await server.ssh(['git:set', '--global', 'archive-max-size']);
    }
    assert.deepEqual(await state(), before);
  });

  it('a key that is not an admin may not make the server fetch a URL, but may send its archive', async () => {
    const key = await makeKey(server.dir, 'dev');
    assert.equal((await server.dokku(['ssh-keys:add', 'dev', key.publicKey])).code, 0);
    assert.equal((await server.dokku(['acl:add', app, 'dev'])).code, 0);
    const r = await ssh(['git:from-archive', app, `file://${path.join(server.dir, 'v3.tar')}`], Buffer.alloc(0), key);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Access denied/);
    // Its own archive on stdin is fine: the key may deploy the app it was granted.
    const own = await ssh(['git:from-archive', app, '--'], await tarOf(appDir('v4')), key);
    assert.equal(own.code, 0, own.stderr);
    assert.equal(await served(), 'v4 web.1');
  });
});
