// Dokku's nginx triggers with proxy type nginx (real server, OpenSSH, git push, nginx): a plugin's
// nginx-app-template-source answer replaces Slipway's own config (an app's own nginx.conf.sigil still
// comes first, and disable-custom-config hands back to the plugin's, as in Dokku), its validate-config
// answer is the wrapper a pushed template is pre-validated in, nginx-pre-reload
// fires with Dokku's arguments once the new file is in place, and a failing one keeps the old config;
// nginx-hostname names an app's default hostnames (Dokku's documented example: the subdomain reversed);
// nginx-dokku-template-source's dokku.conf is used from the next install (plugin:install).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer, repoRoot } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';
import { freeLoopbackPort } from '../helpers/net.js';
import { curlLoopback, skipWithoutNginx } from '../helpers/curl.js';

/** The app's own template: a header of its own, so the test tells which template is served. */
const APP_TEMPLATE = `{{ range $port_map := .PROXY_PORT_MAP | split " " }}{{ $p := $port_map | split ":" }}
server {
  listen {{ $.NGINX_BIND_ADDRESS_IP4 }}:{{ index $p 1 }};
  server_name {{ $.NOSSL_SERVER_NAME }};
  location / {
    proxy_pass http://{{ $.APP }}-{{ index $p 2 }};
    add_header X-App-Template "{{ $.APP }}" always;
  }
}
{{ end }}
{{ range $up := $.PROXY_UPSTREAM_PORTS | split " " }}upstream {{ $.APP }}-{{ $up }} {
{{ range $l := $.DOKKU_APP_WEB_LISTENERS | split " " }}  server {{ $l }};
{{ end }}}
{{ end }}
`;

describe('nginx triggers: nginx-app-template-source (app-config, validate-config), nginx-pre-reload, nginx-hostname, nginx-dokku-template-source (proxy type nginx)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let work: AppWork;
  let httpPort: number;
  let plugin: string;

  /** The plugin's calls.log lines since the last call. */
  let seen = 0;
  const recorded = (): string[] => {
    const file = path.join(plugin, 'calls.log');
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    const fresh = lines.slice(seen);
    seen = lines.length;
    return fresh;
  };
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const get = () => curlLoopback(`http://hooked.test:${httpPort}/`, [`hooked.test:${httpPort}`]);
  const commit = async (message: string) => {
    assert.equal((await work.git(['add', '-A'])).exitCode, 0);
    assert.equal((await work.git(['commit', '-qm', message])).exitCode, 0);
  };

  before(async function () {
    await skipWithoutNginx(this);
    httpPort = await freeLoopbackPort();
    const httpsPort = await freeLoopbackPort();
    server = await TestServer.start({ env: { SLIPWAY_NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`, SLIPWAY_NGINX_HTTPS_LISTEN: `127.0.0.1:${httpsPort}` } });
    plugin = path.join(server.home, 'lib', 'plugins', 'available', 'nginx-hooks');
    fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'plugins', 'dokku-nginx-hooks'), plugin, { recursive: true, verbatimSymlinks: true });
    fs.mkdirSync(path.join(server.home, 'lib', 'plugins', 'enabled'), { recursive: true });
    fs.symlinkSync(plugin, path.join(server.home, 'lib', 'plugins', 'enabled', 'nginx-hooks'));
    await ok(['apps:create', 'hooked']);
    await ok(['domains:set', 'hooked', 'hooked.test']);
    await ok(['proxy:set', 'hooked', 'nginx']);
    work = await appWork(server);
    recorded();
    const push = await work.push('hooked');
    assert.equal(push.exitCode, 0, String(push.stderr));
    // Dokku's line, to the pusher, for each name of an app whose nginx.conf a plugin's template builds.
    assert.match(String(push.stderr), /^remote: -----> Configuring hooked\.test\.\.\.\(using plugin-supplied template\)\s*$/m);
  });

  after(async () => { await server?.stop(); });

  it('serves the plugin\'s template (app-config) once the app has web listeners; nginx -t passes', async () => {
    const r = await get();
    assert.match(r.status, / 200/);
    assert.equal(r.body, 'v1 web.1');
    assert.match(r.headers, /^x-plugin-template: hooked via nginx-hooks$/im);
    const conf = (await ok(['nginx:show-config', 'hooked'])).stdout;
    assert.match(conf, /add_header X-Plugin-Template "hooked via nginx-hooks" always;/);
    assert.match(conf, /upstream hooked-5000 \{\n {2}server 127\.0\.0\.1:\d+;\n\}/);
    assert.doesNotMatch(conf, /written by Slipway/);
    assert.equal((await ok(['nginx:validate-config', 'hooked'])).code, 0);
    const nginxT = await execa('nginx', ['-t', '-q', '-p', path.join(server.home, 'lib', 'data', 'nginx'), '-c', path.join(server.home, 'lib', 'data', 'nginx', 'nginx.conf')], { reject: false });
    assert.equal(nginxT.exitCode, 0, String(nginxT.stderr));
  });

  it('fires nginx-app-template-source APP app-config, then nginx-pre-reload APP \'\' \'\' with the new file in place', async () => {
    const calls = recorded();
    assert.ok(calls.includes('nginx-app-template-source hooked app-config'), calls.join('\n'));
    // Dokku's arguments: the app, then its DOKKU_APP_LISTEN_PORT and _IP, both empty.
    assert.ok(calls.includes('nginx-pre-reload 3 [hooked] [] [] marker'), calls.join('\n'));
    const last = calls.lastIndexOf('nginx-pre-reload 3 [hooked] [] [] marker');
    assert.ok(calls.lastIndexOf('nginx-app-template-source hooked app-config') < last, calls.join('\n'));
    await ok(['proxy:build-config', 'hooked']);
    assert.deepEqual(recorded(), ['nginx-app-template-source hooked app-config', 'nginx-pre-reload 3 [hooked] [] [] marker']);
  });

  it('a failing nginx-pre-reload fails the build of the config with one line; the file is taken back and nginx keeps serving', async () => {
    const before = (await ok(['nginx:show-config', 'hooked'])).stdout;
    fs.writeFileSync(path.join(plugin, 'fail-pre-reload'), '');
    try {
      const r = await server.ssh(['proxy:build-config', 'hooked']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /nginx-pre-reload trigger of plugin nginx-hooks failed \(exit 5\)/);
    } finally {
      fs.rmSync(path.join(plugin, 'fail-pre-reload'));
    }
    assert.equal((await ok(['nginx:show-config', 'hooked'])).stdout, before);
    assert.match((await get()).headers, /^x-plugin-template: /im);
    assert.match(fs.readFileSync(path.join(server.home, 'home', 'hooked', 'nginx.conf'), 'utf8'), /X-Plugin-Template/);
    recorded();
  });

  it('the app\'s own nginx.conf.sigil comes first; disable-custom-config hands back to the plugin\'s, as Dokku\'s', async () => {
    fs.writeFileSync(path.join(work.work, 'nginx.conf.sigil'), APP_TEMPLATE);
    await commit('own template');
    const push = await work.push('hooked');
    assert.equal(push.exitCode, 0, String(push.stderr));
    assert.match(String(push.stderr), /-----> Pre-validating custom nginx\.conf\.sigil/);
    assert.doesNotMatch(String(push.stderr), /plugin-supplied template/);
    let r = await get();
    assert.match(r.headers, /^x-app-template: hooked$/im);
    assert.doesNotMatch(r.headers, /x-plugin-template/i);
    const calls = recorded();
    assert.ok(calls.includes('nginx-pre-reload 3 [hooked] [] []'), calls.join('\n'));
    // The pre-validation asked for the plugin's wrapper (validate.conf.sigil), which nginx -t passed.
    assert.ok(calls.includes('nginx-app-template-source hooked validate-config'), calls.join('\n'));
    await ok(['nginx:set', 'hooked', 'disable-custom-config', 'true']);
    await ok(['proxy:build-config', 'hooked']);
    r = await get();
    assert.match(r.headers, /^x-plugin-template: hooked via nginx-hooks$/im);
    assert.doesNotMatch(r.headers, /x-app-template/i);
  });

  it('validate-config: the pre-validation checks the pushed template inside the plugin\'s wrapper; a refusal fails the push, the release keeps serving', async () => {
    await ok(['nginx:set', 'hooked', 'disable-custom-config']);
    fs.writeFileSync(path.join(plugin, 'strict-validate'), '');
    try {
      fs.writeFileSync(path.join(work.work, 'version.txt'), 'v3\n');
      await commit('checked in the strict wrapper');
      const push = await work.push('hooked');
      assert.notEqual(push.exitCode, 0);
      assert.match(String(push.stderr), /nginx\.conf\.sigil of hooked failed nginx -t validation: \[emerg\] unknown directive "hooks_strict_check"/);
      assert.doesNotMatch(String(push.stderr), /Building hooked/);
    } finally {
      fs.rmSync(path.join(plugin, 'strict-validate'));
    }
    const r = await get();
    assert.equal(r.body, 'v1 web.1');
    assert.match(r.headers, /^x-plugin-template: hooked via nginx-hooks$/im);
  });

  it('nginx:validate-config APP checks the app\'s nginx.conf in the plugin\'s validate-config wrapper when nginx refuses; --clean removes it, nginx keeps serving', async () => {
    const conf = path.join(server.home, 'home', 'hooked', 'nginx.conf');
    const good = fs.readFileSync(conf, 'utf8');
    fs.appendFileSync(conf, 'hooks_broken_directive on;\n');
    try {
      recorded();
      const failed = await server.ssh(['nginx:validate-config', 'hooked']);
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, /^ ! {5}Failed to validate nginx config for hooked\. Contents below\.\.\.$/m);
      assert.match(failed.stdout, /hooks_broken_directive on;/);
      assert.match(failed.stderr, /nginx refused the configuration: \[emerg\] unknown directive "hooks_broken_directive"/);
      assert.deepEqual(recorded().filter((l) => l.includes('validate-config')), ['nginx-app-template-source hooked validate-config']);
      const cleaned = await server.ssh(['nginx:validate-config', '--clean']);
      assert.equal(cleaned.code, 0, cleaned.stderr);
      assert.match(cleaned.stderr, /Failed to validate nginx config for hooked\. Contents below\.\.\.\n ! {5}Removing invalid nginx file/);
      assert.equal(fs.existsSync(conf), false);
      const r = await get();
      assert.equal(r.body, 'v1 web.1');
    } finally {
      if (!fs.existsSync(conf) || fs.readFileSync(conf, 'utf8') !== good) fs.writeFileSync(conf, good);
    }
    await ok(['proxy:build-config', 'hooked']);
    assert.equal((await ok(['nginx:validate-config', 'hooked'])).stdout, '');
    assert.equal((await get()).body, 'v1 web.1');
  });

  it('nginx-hostname APP SUBDOMAIN VHOST names the default hostnames; served there through nginx', async () => {
    await ok(['apps:create', 'reverse']);
    await ok(['proxy:set', 'reverse', 'nginx']);
    recorded();
    assert.equal((await ok(['domains:report', 'reverse', '--domains-app-vhosts'])).stdout, 'esrever.localhost');
    assert.deepEqual(recorded(), ['nginx-hostname reverse reverse localhost']);
    assert.equal((await ok(['urls', 'reverse'])).stdout, `http://esrever.localhost:${server.httpPort}`);
    const push = await work.push('reverse');
    assert.equal(push.exitCode, 0, String(push.stderr));
    const r = await execa('curl', ['-sS', '-D', '-', '--resolve', `esrever.localhost:${httpPort}:127.0.0.1`, `http://esrever.localhost:${httpPort}/`], { reject: false });
    assert.match(String(r.stdout), /^HTTP\/1\.1 200/);
    // The work tree carries its own nginx.conf.sigil since the test above: NOSSL_SERVER_NAME holds the plugin's name.
    assert.match(String(r.stdout), /^x-app-template: reverse\r?$/im);
    assert.match((await ok(['nginx:show-config', 'reverse'])).stdout, /server_name esrever\.localhost;/);
  });

  it('nginx-hostname: SUBDOMAIN is the app name less .VHOST; no answer keeps APP.VHOST (APP when it holds a dot); a failing plugin keeps the default with a warning', async () => {
    await ok(['domains:add-global', 'example.test']);
    await ok(['apps:create', 'rev.example.test']);
    recorded();
    assert.equal((await ok(['domains:report', 'rev.example.test', '--domains-app-vhosts'])).stdout, 'tset.elpmaxe.ver.localhost ver.example.test');
    assert.deepEqual(recorded(), ['nginx-hostname rev.example.test rev.example.test localhost', 'nginx-hostname rev.example.test rev example.test']);
    await ok(['apps:create', 'plain']);
    assert.equal((await ok(['domains:report', 'plain', '--domains-app-vhosts'])).stdout, 'plain.localhost plain.example.test');
    // Dokku's default for an app whose name holds a dot: the name itself, under every global domain.
    await ok(['apps:create', 'dotted.example.test']);
    assert.equal((await ok(['domains:report', 'dotted.example.test', '--domains-app-vhosts'])).stdout, 'dotted.example.test');
    await ok(['apps:create', 'rev-broken']);
    assert.equal((await ok(['domains:report', 'rev-broken', '--domains-app-vhosts'])).stdout, 'rev-broken.localhost rev-broken.example.test');
    assert.match(server.output, /nginx-hooks cannot name rev-broken\n/);
    assert.match(server.output, / ! {5}nginx-hostname trigger of plugin nginx-hooks failed \(exit 3\); rev-broken keeps its default name under localhost\n/);
    await ok(['domains:remove-global', 'example.test']);
  });

  it('nginx-dokku-template-source at plugin:install: the plugin\'s dokku.conf takes the place of Slipway\'s shared settings; nginx reloads with it', async () => {
    recorded();
    const install = await ok(['plugin:install']);
    assert.doesNotMatch(install.stderr, / ! /);
    assert.deepEqual(recorded().filter((l) => l.startsWith('nginx-dokku-template-source')), ['nginx-dokku-template-source 0']);
    const main = fs.readFileSync(path.join(server.home, 'lib', 'data', 'nginx', 'nginx.conf'), 'utf8');
    assert.ok(main.includes(`  include ${path.join(server.home, 'home')}/*/nginx.conf;\n\n  server_tokens off;\n  # nginx-hooks dokku.conf: NGINX_ROOT=/etc/nginx\n`), main);
    assert.equal(main.split('\n').filter((l) => l.includes('/*/nginx.conf;')).length, 1, main);
    assert.doesNotMatch(main, /ssl_session_cache/);
    // No app for the name: the default server's 404 now carries the header the plugin's dokku.conf adds.
    const r = await execa('curl', ['-sS', '-D', '-', '-o', '/dev/null', '--resolve', `nobody.test:${httpPort}:127.0.0.1`, `http://nobody.test:${httpPort}/`], { reject: false });
    assert.match(String(r.stdout), /^HTTP\/1\.1 404/);
    assert.match(String(r.stdout), /^x-dokku-conf: nginx-hooks\r?$/im);
    assert.match((await get()).status, / 200/);
    assert.equal((await ok(['nginx:validate-config'])).code, 0);
  });

  it('a stopped app gets Slipway\'s own config (no web listeners); nginx-pre-reload still fires', async () => {
    recorded();
    await ok(['ps:stop', 'hooked']);
    const r = await get();
    assert.match(r.status, / 503/);
    assert.match((await ok(['nginx:show-config', 'hooked'])).stdout, /written by Slipway/);
    assert.ok(recorded().includes('nginx-pre-reload 3 [hooked] [] []'));
  });
});
