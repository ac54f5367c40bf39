// The git smart-HTTP transport over TLS (SLIPWAY_GIT_HTTPS_LISTEN with the git host's certificate
// from SLIPWAY_GIT_TLS_CERT/KEY): the real git client pushes and clones https://git.test:PORT/…
// on loopback, trusting the test CA through GIT_SSL_CAINFO; without it git refuses the server;
// settings and a certificate that cannot be used are refused at start with one line.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { GitTestServer } from './helpers.js';
import { FakeDeployer } from './fake-deployer.js';
import { loadSettings } from '../../src/settings.js';

/** A CA and a certificate it signs for `name` (the git host), made with the openssl CLI. */
async function hostCertificate(dir: string, name: string): Promise<{ ca: string; cert: string; key: string }> {
  const file = (f: string) => path.join(dir, f);
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=Slipway test git CA']);
  await execa('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('git.key'), '-out', file('git.csr'), '-subj', `/CN=${name}`]);
  fs.writeFileSync(file('san.ext'), `subjectAltName=DNS:${name}\n`);
  await execa('openssl', ['x509', '-req', '-in', file('git.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('git.pem'), '-days', '2', '-extfile', file('san.ext')]);
  return { ca: file('ca.pem'), cert: file('git.pem'), key: file('git.key') };
}

describe('git over HTTPS (SLIPWAY_GIT_HTTPS_LISTEN, real git, token auth)', function () {
  this.timeout(120_000);
  let server: GitTestServer;
  let files: { ca: string; cert: string; key: string };
  let base: URL;
  let token: string;
  const deployer = new FakeDeployer();

  /** git with the host name resolved to loopback (curl's --resolve) and, unless told, the test CA trusted. */
  const git = (cwd: string, args: string[], trust = true) => execa('git', ['-c', `http.curloptResolve=git.test:${base.port}:127.0.0.1`, ...args], {
    cwd, env: { ...server.gitEnv(), ...(trust ? { GIT_SSL_CAINFO: files.ca } : {}) }, extendEnv: false, reject: false,
  });
  const url = (repo: string) => {
    const u = new URL(`${base.origin}/${repo}`);
    u.username = 'admin';
    u.password = token;
    return u.toString();
  };

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-git-'));
    files = await hostCertificate(dir, 'git.test');
    server = await GitTestServer.start(deployer, { SLIPWAY_GIT_HTTPS_LISTEN: '127.0.0.1:0', SLIPWAY_GIT_TLS_CERT: files.cert, SLIPWAY_GIT_TLS_KEY: files.key }, dir);
    const banner = server.logLines.map((l) => /git-https: https:\/\/127\.0\.0\.1:(\d+)/.exec(l)).find(Boolean);
    assert.ok(banner, `no git-https banner line in:\n${server.logLines.join('\n')}`);
    base = new URL(`https://git.test:${banner[1]}`);
    const add = await server.ssh(['git:token:add', 'admin']);
    assert.equal(add.code, 0, add.stderr);
    token = add.stdout.trim().split('\n').pop() ?? '';
  });
  after(async () => { await server?.stop(); });

  it('pushes over TLS with the git host\'s certificate: same hook and deploy as the other transports', async () => {
    const work = await server.workTree({ 'index.html': '<h1>over tls</h1>\n' });
    const rev = (await server.mustGit(work, ['rev-parse', 'HEAD'])).stdout.trim();
    const push = await git(work, ['push', url('secureapp.git'), 'main']);
    assert.equal(push.exitCode, 0, push.stderr);
    assert.match(push.stderr, new RegExp(`remote: -----> Building ${rev} \\(refs/heads/main\\) for secureapp`));
    assert.equal(await server.serverRev('secureapp'), rev);
  });

  it('git clone https://… works with GIT_SSL_CAINFO pointing at the CA', async () => {
    const target = path.join(server.dir, 'cloned');
    const clone = await git(server.dir, ['clone', '-q', url('secureapp.git'), target]);
    assert.equal(clone.exitCode, 0, clone.stderr);
    assert.equal(fs.readFileSync(path.join(target, 'index.html'), 'utf8'), '<h1>over tls</h1>\n');
    assert.equal((await git(target, ['rev-parse', 'HEAD'])).stdout, await server.serverRev('secureapp'));
  });

  it('a client that does not trust the CA is refused by git itself; a wrong token is refused', async () => {
    const clone = await git(server.dir, ['clone', '-q', url('secureapp.git'), path.join(server.dir, 'untrusted')], false);
    assert.notEqual(clone.exitCode, 0);
    assert.match(clone.stderr, /certificate|SSL/i);
    const wrongToken = await git(server.dir, ['clone', '-q', url('secureapp.git').replace(token, `${token}x`), path.join(server.dir, 'wrong')]);
    assert.notEqual(wrongToken.exitCode, 0);
    assert.match(wrongToken.stderr, /Authentication failed|401/);
  });

  it('settings: the listener needs both files, the files need the listener', () => {
    assert.throws(() => loadSettings({ SLIPWAY_GIT_HTTPS_LISTEN: '127.0.0.1:0' }), /needs SLIPWAY_GIT_TLS_CERT and SLIPWAY_GIT_TLS_KEY/);
    assert.throws(() => loadSettings({ SLIPWAY_GIT_TLS_CERT: files.cert, SLIPWAY_GIT_TLS_KEY: files.key }), /need SLIPWAY_GIT_HTTPS_LISTEN/);
    assert.equal(loadSettings({}).gitHttpsListen, undefined);
  });

  it('a key that is not the certificate\'s stops the start with one line', async () => {
    await assert.rejects(
      GitTestServer.start(new FakeDeployer(), { SLIPWAY_GIT_HTTPS_LISTEN: '127.0.0.1:0', SLIPWAY_GIT_TLS_CERT: files.cert, SLIPWAY_GIT_TLS_KEY: path.join(path.dirname(files.ca), 'ca.key') }),
      /The git HTTPS certificate \(SLIPWAY_GIT_TLS_CERT, SLIPWAY_GIT_TLS_KEY\) cannot be used: .*key values mismatch/,
    );
  });
});
