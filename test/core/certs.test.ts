// certs:* as a user runs them over OpenSSH against a real server: a pair added from files on the
// server or as a tar on stdin, a self-signed one generated, the ssl report, show, remove, a refused
// pair that changes nothing, and the pair following the app through rename, clone and destroy.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, makeKey } from '../helpers/server.js';
import { installPlugin } from '../helpers/fixtures.js';

/** A self-signed pair made with the openssl CLI, as a user would bring one. */
async function makePair(dir: string, name: string, cn: string): Promise<{ crt: string; key: string }> {
  const crt = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '30',
    '-subj', `/O=Slipway Test/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn},DNS:www.${cn}`]);
  return { crt, key };
}

describe('certs:* (real server, OpenSSH)', function () {
  this.timeout(120_000);
  let server: TestServer;
  let first: { crt: string; key: string };
  let second: { crt: string; key: string };
  let triggers: string;
  const tlsDir = (app: string) => path.join(server.home, 'home', app, 'tls');

  const ok = async (args: string[], input?: string | Uint8Array) => {
    const r = await server.ssh(args, { input });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async () => {
    server = await TestServer.start();
    first = await makePair(server.dir, 'first', 'first.test');
    second = await makePair(server.dir, 'second', 'second.test');
    triggers = path.join(server.dir, 'triggers.log');
    const record = `#!/usr/bin/env bash\necho "$(basename "$0") $*" >> '${triggers}'\n`;
    installPlugin(server.home, 'cert-recorder', { 'plugin.toml': '[plugin]\ndescription = "records certs triggers"\nversion = "0.1.0"\n[plugin.config]\n', 'post-certs-update': record, 'post-certs-remove': record });
    for (const app of ['files', 'tarred', 'generated', 'moving', 'refused']) await ok(['apps:create', app]);
  });
  after(async () => { await server?.stop(); });

  it('certs:add APP CRT KEY stores the pair at Dokku\'s paths, readable only by the server\'s user', async () => {
    await ok(['certs:add', 'files', first.crt, first.key]);
    assert.equal(fs.readFileSync(path.join(tlsDir('files'), 'server.crt'), 'utf8'), fs.readFileSync(first.crt, 'utf8'));
    assert.equal(fs.readFileSync(path.join(tlsDir('files'), 'server.key'), 'utf8'), fs.readFileSync(first.key, 'utf8'));
    assert.equal(fs.readFileSync(triggers, 'utf8'), 'post-certs-update files\n');
    assert.equal(fs.statSync(tlsDir('files')).mode & 0o777, 0o700);
    for (const file of ['server.crt', 'server.key']) assert.equal(fs.statSync(path.join(tlsDir('files'), file)).mode & 0o777, 0o600);
    assert.equal((await ok(['certs:report', 'files', '--ssl-enabled'])).stdout, 'true');
    assert.equal((await ok(['certs:report', 'files', '--ssl-hostnames'])).stdout, 'first.test www.first.test');
    const missing = await server.ssh(['certs:add', 'files', path.join(server.dir, 'nope.crt'), first.key]);
    assert.deepEqual([missing.code, missing.stderr], [1, ' !     CRT file specified not found, please check file paths']);
  });

  it('certs:add APP < cert.tar takes the .crt and .key of a tar on stdin; certs:update replaces them', async () => {
    const staging = fs.mkdtempSync(path.join(server.dir, 'tar-'));
    fs.copyFileSync(first.crt, path.join(staging, 'server.crt'));
    fs.copyFileSync(first.key, path.join(staging, 'server.key'));
    const tar = (await execa('tar', ['-c', '-C', staging, '.'], { encoding: 'buffer' })).stdout;
    await ok(['certs:add', 'tarred'], tar);
    assert.equal((await ok(['certs:show', 'tarred', 'crt'])).stdout, fs.readFileSync(first.crt, 'utf8').trimEnd());

    fs.copyFileSync(second.crt, path.join(staging, 'server.crt'));
    fs.copyFileSync(second.key, path.join(staging, 'server.key'));
    await ok(['certs:update', 'tarred'], (await execa('tar', ['-c', '-C', staging, 'server.crt', 'server.key'], { encoding: 'buffer' })).stdout);
    assert.equal((await ok(['certs:report', 'tarred', '--ssl-hostnames'])).stdout, 'second.test www.second.test');

    const onlyCrt = (await execa('tar', ['-c', '-C', staging, 'server.crt'], { encoding: 'buffer' })).stdout;
    const refused = await server.ssh(['certs:add', 'tarred'], { input: onlyCrt });
    assert.deepEqual([refused.code, refused.stderr], [1, ' !     Tar archive is missing .key file']);
    const empty = await server.ssh(['certs:add', 'tarred']);
    assert.deepEqual([empty.code, empty.stderr], [1, ' !     Tar archive containing server.crt and server.key expected on stdin']);
  });

  it('certs:generate makes a self-signed pair for the domain, adds the domain and prints a CSR', async () => {
    const r = await ok(['certs:generate', 'generated', 'gen.test']);
    assert.match(r.stdout, /^-----> Installing certificate and key\.\.\.\n/);
    assert.match(r.stdout, /to generate an 'officially' signed SSL certificate for generated at gen\.test\n/);
    assert.match(r.stdout, /-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----$/);
    assert.match((await ok(['domains:report', 'generated', '--domains-app-vhosts'])).stdout, /\bgen\.test\b/);
    assert.equal((await ok(['certs:report', 'generated', '--ssl-verified'])).stdout, 'self signed');
    assert.equal((await ok(['certs:report', 'generated', '--ssl-subject'])).stdout, 'CN=gen.test');
    assert.equal((await ok(['certs:report', 'generated', '--ssl-issuer'])).stdout, 'CN = gen.test');
    assert.match((await ok(['certs:report', 'generated', '--ssl-expires-at'])).stdout, /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$/);
    const again = await ok(['certs:generate', 'generated', 'gen.test']);
    assert.equal(again.stdout, '-----> generated has an SSL endpoint already defined');
  });

  it('certs:report prints Dokku\'s ssl block, one flag, or JSON', async () => {
    const block = (await ok(['certs:report', 'files'])).stdout;
    assert.match(block, /^=====> files ssl information\n/);
    for (const label of ['Ssl dir', 'Ssl enabled', 'Ssl hostnames', 'Ssl expires at', 'Ssl issuer', 'Ssl starts at', 'Ssl subject', 'Ssl verified']) {
      assert.match(block, new RegExp(`^ {7}${label}: +\\S`, 'm'), label);
    }
    assert.match(block, new RegExp(`Ssl dir: +${tlsDir('files').replace(/[.]/g, '\\.')}$`, 'm'));
    assert.match(block, /Ssl subject: +O=Slipway Test; CN=first\.test$/m);
    const json = JSON.parse((await ok(['certs:report', 'refused', '--format', 'json'])).stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(json).sort(), ['dir', 'enabled', 'expires-at', 'hostnames', 'issuer', 'starts-at', 'subject', 'verified']);
    assert.equal(json.enabled, 'false');
    const bad = await server.ssh(['certs:report', 'files', '--ssl-nope']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Invalid flag passed, valid flags: --ssl-dir, --ssl-enabled/);
  });

  it('certs:show prints the crt or the key; certs:remove removes the pair', async () => {
    assert.equal((await ok(['certs:show', 'files', 'key'])).stdout, fs.readFileSync(first.key, 'utf8').trimEnd());
    const which = await server.ssh(['certs:show', 'files', 'pem']);
    assert.deepEqual([which.code, which.stderr], [1, ' !     specify either \'key\' or \'crt\'']);
    assert.equal((await ok(['certs:remove', 'files'])).stdout, '-----> Removing SSL endpoint from files');
    assert.equal(fs.existsSync(tlsDir('files')), false);
    assert.match(fs.readFileSync(triggers, 'utf8'), /^post-certs-remove files$/m);
    const again = await server.ssh(['certs:remove', 'files']);
    assert.deepEqual([again.code, again.stderr], [1, ' !     An app-specific SSL endpoint is not defined']);
    const none = await server.ssh(['certs:show', 'files', 'crt']);
    assert.deepEqual([none.code, none.stderr], [1, ' !     files doesn\'t have an SSL endpoint defined']);
  });

  it('a key that is not the certificate\'s, or a file that is no PEM, is refused and nothing changes', async () => {
    await ok(['certs:add', 'refused', first.crt, first.key]);
    const before = fs.readFileSync(path.join(tlsDir('refused'), 'server.crt'), 'utf8');
    const mismatched = await server.ssh(['certs:add', 'refused', second.crt, first.key]);
    assert.deepEqual([mismatched.code, mismatched.stderr], [1, ' !     The KEY file does not match the certificate in the CRT file']);
    const garbage = path.join(server.dir, 'garbage.crt');
    fs.writeFileSync(garbage, 'not a certificate\n');
    const notPem = await server.ssh(['certs:update', 'refused', garbage, first.key]);
    assert.deepEqual([notPem.code, notPem.stderr], [1, ' !     The CRT file is not a PEM certificate']);
    const notKey = await server.ssh(['certs:update', 'refused', second.crt, garbage]);
    assert.deepEqual([notKey.code, notKey.stderr], [1, ' !     The KEY file is not a PEM private key']);
    assert.equal(fs.readFileSync(path.join(tlsDir('refused'), 'server.crt'), 'utf8'), before);
    assert.equal((await ok(['certs:report', 'refused', '--ssl-hostnames'])).stdout, 'first.test www.first.test');
  });

  it('a key that is no admin key may send a tar, not name files on the server (they would be shown by certs:show)', async () => {
    const dev = await makeKey(server.dir, 'dev');
    await ok(['ssh-keys:add', 'dev'], fs.readFileSync(dev.publicKey, 'utf8'));
    await ok(['apps:create', 'devapp']);
    await ok(['acl:add', 'devapp', 'dev']);
    const files = await server.ssh(['certs:add', 'devapp', first.crt, first.key], { key: dev });
    assert.equal(files.code, 1);
    assert.match(files.stderr, /certs:add with file paths reads files on the server: send a tar on stdin instead/);
    assert.equal(fs.existsSync(tlsDir('devapp')), false);
    const staging = fs.mkdtempSync(path.join(server.dir, 'dev-'));
    fs.copyFileSync(first.crt, path.join(staging, 'a.crt'));
    fs.copyFileSync(first.key, path.join(staging, 'a.key'));
    const tar = (await execa('tar', ['-c', '-C', staging, 'a.crt', 'a.key'], { encoding: 'buffer' })).stdout;
    const sent = await server.ssh(['certs:add', 'devapp'], { key: dev, input: tar });
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal((await server.ssh(['certs:report', 'devapp', '--ssl-enabled'], { key: dev })).stdout, 'true');
  });

  it('the pair follows apps:rename, is not cloned (as Dokku), and goes with apps:destroy', async () => {
    await ok(['certs:add', 'moving', first.crt, first.key]);
    await ok(['apps:rename', 'moving', 'moved']);
    assert.equal(fs.existsSync(tlsDir('moving')), false);
    assert.equal((await ok(['certs:report', 'moved', '--ssl-hostnames'])).stdout, 'first.test www.first.test');
    assert.equal((await ok(['certs:report', 'moved', '--ssl-dir'])).stdout, tlsDir('moved'));

    await ok(['apps:clone', '--skip-deploy', 'moved', 'copied']);
    assert.equal((await ok(['certs:report', 'copied', '--ssl-enabled'])).stdout, 'false');
    assert.equal(fs.existsSync(tlsDir('copied')), false);

    await ok(['apps:destroy', 'moved', '--force']);
    assert.equal(fs.existsSync(tlsDir('moved')), false);
    assert.equal(fs.existsSync(path.join(server.home, 'home', 'moved')), false);
  });
});
