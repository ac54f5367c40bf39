// HTTP basic auth through the managed nginx the way dokku-http-auth does it (issue 14): a plugin
// renders an nginx.conf.d fragment with `sigil -f TEMPLATE VAR=… | cat -s`, hashes the password
// with `mkpasswd -m sha-512` into the app's htpasswd, and applies it with `validate_nginx &&
// restart_nginx`. Real server, git push, real nginx on loopback, curl; `nginx -t` after each step.
// The fixture plugin below always runs; the real dokku-http-auth runs unmodified when a local clone
// of its public repository is at hand (SLIPWAY_TEST_HTTP_AUTH_REPO, or the workplace mirror): no
// network here, and the project keeps no copy of other projects' code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { installPlugin } from '../helpers/fixtures.js';
import { freeLoopbackPort } from '../helpers/net.js';
import { skipSuite } from '../helpers/swarm-skip.js';

/** dokku-http-auth 0.10.0 (2024-07-02), the version the assertions below describe. */
const HTTP_AUTH_COMMIT = '9018722e8a7c80073e2b1257967ad4718f6f3da6';
const HTTP_AUTH_SOURCE = process.env.SLIPWAY_TEST_HTTP_AUTH_REPO ?? '/work/.mirror/dokku+dokku-http-auth/repo';

const found = (command: string, args: string[]) => execa(command, args, { reject: false }).then((r) => r.exitCode === 0, () => false);

/** Why the suite cannot run here, or undefined. */
async function toolsProblem(): Promise<string | undefined> {
  if (!(await found('nginx', ['-v']))) return 'nginx is not installed (.ci/run installs nginx-light)';
  if (!(await found('sh', ['-c', 'command -v mkpasswd']))) return 'mkpasswd is not installed (.ci/run installs whois)';
  return undefined;
}

/** The same steps as dokku-http-auth, in a template and script of our own. */
const AUTH_TEMPLATE = `{{- if $ALLOWED_IPS }}
satisfy any;
{{ range $ip := .ALLOWED_IPS | split " " }}
allow {{ $ip }};
{{- end }}
deny all;
{{ end }}

{{ if $HAS_USERS -}}
auth_basic "Restricted area";
auth_basic_user_file {{ $.APP_ROOT }}/auth-users;
{{- end }}
`;
const AUTH_PLUGIN = `#!/usr/bin/env bash
set -eo pipefail
source "$PLUGIN_AVAILABLE_PATH/nginx-vhosts/functions"
render() {
  local root="$DOKKU_ROOT/$APP" users=""
  mkdir -p "$root/nginx.conf.d"
  [[ -s "$root/auth-users" ]] && users=true
  sigil -f "$PLUGIN_AVAILABLE_PATH/auth/templates/auth.conf" APP_ROOT="$root" ALLOWED_IPS="$IPS" HAS_USERS="$users" | cat -s >"$root/nginx.conf.d/auth.conf"
}
case "$1" in
  auth:on)
    APP="$2"; IPS="$5"
    echo "$3:$(mkpasswd -m sha-512 "$4")" >"$DOKKU_ROOT/$APP/auth-users"
    render ;;
  auth:off) APP="$2"; rm -f "$DOKKU_ROOT/$APP/nginx.conf.d/auth.conf" ;;
  *) exit "$DOKKU_NOT_IMPLEMENTED_EXIT" ;;
esac
validate_nginx "$APP" && restart_nginx "$APP" >/dev/null
echo "auth applied"
`;

describe('basic auth through nginx, dokku-http-auth\'s way (sigil + mkpasswd + nginx.conf.d)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let httpPort: number;
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  /** Status and body of GET / through nginx, optionally with basic auth. */
  const get = async (user?: string): Promise<[string, string]> => {
    const r = await execa('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '--resolve', `web.test:${httpPort}:127.0.0.1`,
      ...(user ? ['-u', user] : []), `http://web.test:${httpPort}/`], { reject: false });
    const lines = String(r.stdout).split('\n');
    return [lines.pop() ?? '', lines.join('\n')];
  };
  const validated = async () => assert.equal((await server.ssh(['nginx:validate-config', 'web'])).code, 0, 'nginx -t passes');

  before(async function () {
    const problem = await toolsProblem();
    if (problem) skipSuite(this, problem);
    httpPort = await freeLoopbackPort();
    server = await TestServer.start({ env: { SLIPWAY_NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`, SLIPWAY_NGINX_HTTPS_LISTEN: `127.0.0.1:${await freeLoopbackPort()}` } });
    await ok(['apps:create', 'web']);
    await ok(['domains:set', 'web', 'web.test']);
    await ok(['proxy:set', 'web', 'nginx']);
    const push = await (await appWork(server)).push('web');
    assert.equal(push.exitCode, 0, String(push.stderr));
  });

  // TestServer.stop stops the managed nginx too (by its pid file), as it stops the apps.
  after(async () => { await server?.stop(); });

  describe('a plugin with dokku-http-auth\'s steps (runs everywhere)', () => {
    before(() => {
      const dir = installPlugin(server.home, 'auth', { commands: AUTH_PLUGIN });
      fs.mkdirSync(path.join(dir, 'templates'));
      fs.writeFileSync(path.join(dir, 'templates', 'auth.conf'), AUTH_TEMPLATE);
    });

    it('on: 401 without credentials, 200 with them; off: 200 again; nginx -t passes each time', async () => {
      assert.deepEqual(await get(), ['200', 'v1 web.1']);
      assert.equal((await ok(['auth:on', 'web', 'alice', 's3cret'])).stdout, 'auth applied');
      await validated();
      const fragment = fs.readFileSync(path.join(server.home, 'home', 'web', 'nginx.conf.d', 'auth.conf'), 'utf8');
      assert.equal(fragment, `\nauth_basic "Restricted area";\nauth_basic_user_file ${path.join(server.home, 'home', 'web')}/auth-users;\n`);
      assert.match(fs.readFileSync(path.join(server.home, 'home', 'web', 'auth-users'), 'utf8'), /^alice:\$6\$[^:\n]+\n$/);
      assert.equal((await get())[0], '401');
      assert.equal((await get('alice:wrong'))[0], '401');
      assert.deepEqual(await get('alice:s3cret'), ['200', 'v1 web.1']);
      assert.equal((await ok(['auth:off', 'web'])).stdout, 'auth applied');
      await validated();
      assert.deepEqual(await get(), ['200', 'v1 web.1']);
    });

    it('with allowed addresses: satisfy any, so another address still needs the password', async () => {
      await ok(['auth:on', 'web', 'bob', 'pw', "'127.0.0.2 127.0.0.3'"]);
      await validated();
      const fragment = fs.readFileSync(path.join(server.home, 'home', 'web', 'nginx.conf.d', 'auth.conf'), 'utf8');
      assert.match(fragment, /^\nsatisfy any;\n\nallow 127\.0\.0\.2;\nallow 127\.0\.0\.3;\ndeny all;\n\nauth_basic "Restricted area";/);
      assert.equal((await get())[0], '401');
      assert.equal((await get('bob:pw'))[0], '200');
      await ok(['auth:off', 'web']);
      assert.equal((await get())[0], '200');
    });
  });

  describe('the real dokku-http-auth 0.10.0, unmodified (when a clone of it is at hand)', () => {
    before(async function () {
      const clone = path.join(server.dir, 'dokku-http-auth');
      const cloned = await execa('git', ['clone', '-q', '--no-checkout', HTTP_AUTH_SOURCE, clone], { reject: false });
      const checkout = cloned.exitCode === 0 ? await execa('git', ['-C', clone, 'checkout', '-q', HTTP_AUTH_COMMIT], { reject: false }) : cloned;
      if (checkout.exitCode !== 0) {
        skipSuite(this, `no local clone of dokku-http-auth at ${HTTP_AUTH_COMMIT.slice(0, 7)} (set SLIPWAY_TEST_HTTP_AUTH_REPO to one; tests reach no network)`);
      }
      fs.rmSync(path.join(clone, '.git'), { recursive: true, force: true });
      await ok(['plugin:install', clone]);
    });

    it('http-auth:enable, add-allowed-ip, report, disable: 401 without credentials, 200 with them, 200 once disabled', async () => {
      const root = path.join(server.home, 'home', 'web');
      const enable = await ok(['http-auth:enable', 'web', 'carol', "'pa ss'"]);
      assert.equal(enable.stdout, '-----> Enabling HTTP auth for web...\n       Done');
      await validated();
      assert.match(fs.readFileSync(path.join(root, 'htpasswd'), 'utf8'), /^carol:\$6\$[^:\n]+\n$/);
      // 0.10.0 renders its fragment before it writes the first user (dokku-http-auth#24): on Dokku
      // too, the first enable leaves auth_basic out and the app open, until the fragment is rendered again.
      assert.equal(fs.readFileSync(path.join(root, 'nginx.conf.d', 'http-auth.conf'), 'utf8'), '\n');
      assert.equal((await get())[0], '200');
      // add-allowed-ip renders it again: now with the address list and auth_basic.
      await ok(['http-auth:add-allowed-ip', 'web', '127.0.0.2']);
      await validated();
      assert.equal(fs.readFileSync(path.join(root, 'nginx.conf.d', 'http-auth.conf'), 'utf8'),
        `\nsatisfy any;\n\nallow 127.0.0.2;\n\ndeny all;\n\nauth_basic           "Restricted";\nauth_basic_user_file ${root}/htpasswd;\n`);
      assert.equal((await get())[0], '401');
      assert.equal((await get('carol:nope'))[0], '401');
      assert.deepEqual(await get('carol:pa ss'), ['200', 'v1 web.1']);
      const report = (await ok(['http-auth:report', 'web'])).stdout;
      assert.match(report, /Http auth enabled: +true/);
      assert.match(report, /Http auth allowed ips: +127\.0\.0\.2/);
      assert.match(report, /Http auth users: +carol/);
      assert.equal((await ok(['http-auth:disable', 'web'])).stdout, '-----> Disabling HTTP auth for web...\n       Done');
      await validated();
      assert.deepEqual(await get(), ['200', 'v1 web.1']);
    });
  });
});
