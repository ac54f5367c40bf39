// Tokens for git over HTTP against a real `slipway serve`: a burst of wrong tokens (wrong secret,
// unknown user, another key's token, malformed headers) is refused with 401 every time and
// creates nothing; the right token still works at once (there is deliberately no per-address
// lockout: tokens are 256-bit random values, so guessing is hopeless, and a lockout would let
// anyone sharing an address lock a real user out). A token stops working when its key is removed,
// even when a new key takes the same name.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TestServer, makeKey } from '../helpers/server.js';
import { until } from '../helpers/ssh-client.js';
import { PushClient, appFiles, serverRev } from '../faults/push-client.js';

const BAD_ATTEMPTS = 200;
const PARALLEL = 20;

describe('security: git over HTTP tokens', function () {
  this.timeout(180_000);
  let server: TestServer;
  let base = '';
  let adminToken = '';
  let devToken = '';
  let client: PushClient;

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const apps = () => fs.readdirSync(path.join(server.home, 'home')).sort();
  const httpUrl = (app: string, user: string, token: string) => {
    const url = new URL(`${base}/${app}.git`);
    url.username = user;
    url.password = token;
    return url.toString();
  };

  async function tokenFor(name: string): Promise<string> {
    const r = await server.ssh(['git:token:add', name]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').pop() ?? '';
  }

  async function status(app: string, authorization?: string): Promise<number> {
    const res = await fetch(`${base}/${app}.git/info/refs?service=git-receive-pack`, { headers: authorization ? { authorization } : {} });
    await res.arrayBuffer();
    return res.status;
  }

  before(async () => {
    server = await TestServer.start();
    await until(() => /git-http: http:\/\/\S+/.test(server.output));
    base = /git-http: (http:\/\/\S+)/.exec(server.output)![1];
    const dev = await makeKey(server.dir, 'dev');
    const added = await server.ssh(['ssh-keys:add', '--admin', 'dev'], { input: fs.readFileSync(dev.publicKey, 'utf8') });
    assert.equal(added.code, 0, added.stderr);
    adminToken = await tokenFor('admin');
    devToken = await tokenFor('dev');
    client = new PushClient(server, path.join(server.dir, 'work'));
    await client.init(appFiles('one'));
    const push = await client.git(['push', httpUrl('tokenapp', 'admin', adminToken), 'main']);
    assert.equal(push.code, 0, push.stderr);
  });
  after(async () => { await server?.stop(); });

  it(`${BAD_ATTEMPTS} wrong tokens in bursts are all refused with 401; nothing is created; the right token still works at once`, async () => {
    const before = apps();
    const wrong = [
      // The last character changed (a token that already ended in 0 made this one right: 1 run in 16 failed).
      basic('admin', `${adminToken.slice(0, -1)}${adminToken.endsWith('0') ? '1' : '0'}`),
      basic('admin', devToken),
      basic('dev', adminToken),
      basic('nobody', adminToken),
      basic('admin', ''),
      basic('', adminToken),
      basic('../admin', adminToken),
      'Basic !!!not-base64!!!',
      `Bearer ${adminToken}`,
      basic('admin', `${adminToken}\n`),
    ];
    for (let start = 0; start < BAD_ATTEMPTS; start += PARALLEL) {
      const codes = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => status(`new${(start + i) % 7}`, wrong[(start + i) % wrong.length])));
      assert.deepEqual(codes, codes.map(() => 401));
    }
    assert.deepEqual(apps(), before, 'no app was created by a refused request');
    assert.equal(await status('tokenapp', basic('admin', adminToken)), 200);
    const next = await client.commit(appFiles('two'));
    const push = await client.git(['push', httpUrl('tokenapp', 'admin', adminToken), 'main']);
    assert.equal(push.code, 0, push.stderr);
    assert.equal(await serverRev(server, 'tokenapp'), next);
  });

  it('a token stops working when its key is removed, even when a new key takes the name', async () => {
    assert.equal(await status('tokenapp', basic('dev', devToken)), 200);
    const rev = await serverRev(server, 'tokenapp');
    const removed = await server.ssh(['ssh-keys:remove', 'dev']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(await status('tokenapp', basic('dev', devToken)), 401);
    const other = await makeKey(server.dir, 'dev-again');
    const readded = await server.ssh(['ssh-keys:add', '--admin', 'dev'], { input: fs.readFileSync(other.publicKey, 'utf8') });
    assert.equal(readded.code, 0, readded.stderr);
    assert.equal(await status('tokenapp', basic('dev', devToken)), 401, 'the old token does not carry over to a new key of the same name');
    await client.commit(appFiles('three'));
    const push = await client.git(['push', httpUrl('tokenapp', 'dev', devToken), 'main']);
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /Authentication failed|401/);
    assert.equal(await serverRev(server, 'tokenapp'), rev, 'nothing moved');
  });

  it('git:token:remove revokes at once', async () => {
    assert.equal((await server.ssh(['git:token:remove', 'admin'])).code, 0);
    assert.equal(await status('tokenapp', basic('admin', adminToken)), 401);
  });
});
