// An app's own nginx.conf.sigil (Dokku's custom template) with proxy type nginx: pushed with the app,
// rendered with sigil and Dokku's variables, checked with nginx -t and served; Slipway fills the
// upstream servers; nginx:set disable-custom-config true goes back to Slipway's config; a template
// that does not render, or that nginx -t refuses (checked before the build, as Dokku pre-validates),
// fails the push with one line and the running release keeps serving.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { TestServer } from '../helpers/server.js';
import { appWork, type AppWork } from '../helpers/app-work.js';
import { freeLoopbackPort } from '../helpers/net.js';
import { curlLoopback, skipWithoutNginx } from '../helpers/curl.js';
import { http2Support, parseNginxVersion } from '../../src/proxy/nginx/custom.js';

/** Written the way Dokku's templates are: a server per http mapping, upstreams from the listeners. */
const TEMPLATE = `{{ range $port_map := .PROXY_PORT_MAP | split " " }}
{{ $p := $port_map | split ":" }}
{{ if eq (index $p 0) "http" }}
server {
  listen {{ $.NGINX_BIND_ADDRESS_IP4 }}:{{ index $p 1 }};
  server_name {{ $.NOSSL_SERVER_NAME }};
  access_log {{ $.NGINX_ACCESS_LOG_PATH }};
  error_log {{ $.NGINX_ERROR_LOG_PATH }};
  location / {
{{ if $.DOKKU_APP_WEB_LISTENERS }}
    proxy_pass http://{{ $.APP }}-{{ index $p 2 }};
    proxy_set_header Host $http_host;
    add_header X-Custom-Template "{{ $.APP }} on {{ index $p 1 }}" always;
{{ else }}
    return 502;
{{ end }}
  }
  include {{ $.DOKKU_ROOT }}/{{ $.APP }}/nginx.conf.d/*.conf;
}
{{ end }}{{ end }}
{{ if $.DOKKU_APP_WEB_LISTENERS }}{{ range $up := $.PROXY_UPSTREAM_PORTS | split " " }}
upstream {{ $.APP }}-{{ $up }} {
{{ range $l := $.DOKKU_APP_WEB_LISTENERS | split " " }}  server {{ index ($l | split ":") 0 }}:{{ $up }};
{{ end }}}
{{ end }}{{ end }}
`;

/** Dokku's default template's way with TLS: `http2 on;` or `listen … ssl http2` by HTTP2_DIRECTIVE_SUPPORTED. */
const TLS_TEMPLATE = `{{ range $port_map := .PROXY_PORT_MAP | split " " }}
{{ $p := $port_map | split ":" }}{{ $scheme := index $p 0 }}{{ $is_ssl := eq $scheme "https" }}
server {
{{ if $is_ssl }}{{ if eq $.HTTP2_DIRECTIVE_SUPPORTED "true" }}
  listen {{ $.NGINX_BIND_ADDRESS_IP4 }}:{{ index $p 1 }} ssl;
  http2 on;
{{ else }}
  listen {{ $.NGINX_BIND_ADDRESS_IP4 }}:{{ index $p 1 }} ssl http2;
{{ end }}
  ssl_certificate {{ $.APP_SSL_PATH }}/server.crt;
  ssl_certificate_key {{ $.APP_SSL_PATH }}/server.key;
  ssl_protocols TLSv1.2 TLSv1.3;
{{ else }}
  listen {{ $.NGINX_BIND_ADDRESS_IP4 }}:{{ index $p 1 }};
{{ end }}
  {{ if and $is_ssl $.SSL_SERVER_NAME }}server_name {{ $.SSL_SERVER_NAME }};{{ end }}
  {{ if $.NOSSL_SERVER_NAME }}server_name {{ $.NOSSL_SERVER_NAME }};{{ end }}
  location / {
    proxy_pass http://{{ $.APP }}-{{ index $p 2 }};
    {{ if and $is_ssl (eq $.HTTP2_PUSH_SUPPORTED "true") }}http2_push_preload on;{{ end }}
    proxy_http_version 1.1;
    proxy_set_header Host $http_host;
    add_header X-Template "{{ $scheme }} ssl={{ $.SSL_INUSE }} directive={{ $.HTTP2_DIRECTIVE_SUPPORTED }} push={{ $.HTTP2_PUSH_SUPPORTED }} names=[{{ $.SSL_SERVER_NAME }}]" always;
  }
}
{{ end }}
# worker listeners: {{ $.DOKKU_APP_WORKER_LISTENERS }}
{{ range $up := $.PROXY_UPSTREAM_PORTS | split " " }}
upstream {{ $.APP }}-{{ $up }} {
{{ range $l := $.DOKKU_APP_WEB_LISTENERS | split " " }}  server {{ $l }};
{{ end }}}
{{ end }}
`;

describe('an app\'s own nginx.conf.sigil (proxy type nginx)', function () {
  this.timeout(300_000);
  let server: TestServer;
  let work: AppWork;
  let httpPort: number;
  let httpsPort: number;
  const ok = async (args: string[]) => {
    const r = await server.ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const get = () => curlLoopback(`http://web.test:${httpPort}/`, [`web.test:${httpPort}`]);
  const commit = async (message: string) => {
    assert.equal((await work.git(['add', '-A'])).exitCode, 0);
    assert.equal((await work.git(['commit', '-qm', message])).exitCode, 0);
  };

  before(async function () {
    await skipWithoutNginx(this);
    httpPort = await freeLoopbackPort();
    httpsPort = await freeLoopbackPort();
    server = await TestServer.start({ env: { SLIPWAY_NGINX_HTTP_LISTEN: `127.0.0.1:${httpPort}`, SLIPWAY_NGINX_HTTPS_LISTEN: `127.0.0.1:${httpsPort}` } });
    await ok(['apps:create', 'web']);
    await ok(['domains:set', 'web', 'web.test']);
    await ok(['proxy:set', 'web', 'nginx']);
    work = await appWork(server, { files: { 'nginx.conf.sigil': TEMPLATE } });
    const push = await work.push('web');
    assert.equal(push.exitCode, 0, String(push.stderr));
  });

  // TestServer.stop stops the managed nginx too (by its pid file), as it stops the apps.
  after(async () => { await server?.stop(); });

  it('renders the pushed template with Dokku\'s variables; Slipway fills the upstream servers', async () => {
    const r = await get();
    assert.match(r.status, / 200/);
    assert.equal(r.body, 'v1 web.1');
    assert.match(r.headers, new RegExp(`^x-custom-template: web on ${httpPort}$`, 'im'));
    const conf = (await ok(['nginx:show-config', 'web'])).stdout;
    assert.match(conf, new RegExp(`listen 127\\.0\\.0\\.1:${httpPort};`));
    assert.match(conf, /upstream web-5000 \{\n {2}server 127\.0\.0\.1:\d+;\n\}/);
    assert.doesNotMatch(conf, /:5000;/, 'the process\'s own port, not the container port');
    assert.ok(conf.includes(`include ${path.join(server.home, 'home')}/web/nginx.conf.d/*.conf;`), conf);
    assert.doesNotMatch(conf, /\n\n\n/, 'blank runs squeezed, as `cat -s` does');
  });

  it('nginx:set disable-custom-config true: Slipway\'s own config at the next build; false: the template again', async () => {
    await ok(['nginx:set', 'web', 'disable-custom-config', 'true']);
    await ok(['proxy:build-config', 'web']);
    let r = await get();
    assert.match(r.status, / 200/);
    assert.doesNotMatch(r.headers, /x-custom-template/i);
    await ok(['nginx:set', 'web', 'disable-custom-config']);
    await ok(['proxy:build-config', 'web']);
    r = await get();
    assert.match(r.headers, /x-custom-template/i);
  });

  it('a template that does not render fails the push with one line; the running release keeps serving', async () => {
    fs.writeFileSync(path.join(work.work, 'nginx.conf.sigil'), `${TEMPLATE}\n{{ if }}\n`);
    fs.writeFileSync(path.join(work.work, 'version.txt'), 'v2\n');
    await commit('bad template');
    const push = await work.push('web');
    assert.notEqual(push.exitCode, 0);
    assert.match(String(push.stderr), /nginx\.conf\.sigil of web did not render: template: nginx\.conf\.sigil:\d+: missing value for if/);
    const r = await get();
    assert.equal(r.body, 'v1 web.1');
    assert.match(r.headers, /x-custom-template/i);
  });

  it('a template that renders but fails nginx -t is refused before the build (Dokku\'s pre-validation); the running release keeps serving', async () => {
    fs.writeFileSync(path.join(work.work, 'nginx.conf.sigil'), TEMPLATE.replace('  location / {', '  not_a_directive on;\n  location / {'));
    await commit('template nginx refuses');
    const push = await work.push('web');
    assert.notEqual(push.exitCode, 0);
    const output = String(push.stderr);
    assert.match(output, /-----> Pre-validating custom nginx\.conf\.sigil/);
    assert.match(output, /nginx\.conf\.sigil of web failed nginx -t validation: \[emerg\] unknown directive "not_a_directive"/);
    assert.doesNotMatch(output, /Building web/);
    const r = await get();
    assert.equal(r.body, 'v1 web.1');
    assert.match(r.headers, /x-custom-template/i);
  });

  it('a push without the template goes back to Slipway\'s config', async () => {
    fs.rmSync(path.join(work.work, 'nginx.conf.sigil'));
    await commit('no template');
    const push = await work.push('web');
    assert.equal(push.exitCode, 0, String(push.stderr));
    const r = await get();
    assert.equal(r.body, 'v2 web.1');
    assert.doesNotMatch(r.headers, /x-custom-template/i);
    assert.match((await ok(['nginx:show-config', 'web'])).stdout, /written by Slipway/);
  });

  it('with a certificate: Dokku\'s TLS and HTTP/2 variables for this nginx, nginx -t passes, HTTPS answers over HTTP/2', async () => {
    await ok(['certs:generate', 'web', 'web.test']);
    const caFile = path.join(server.dir, 'web-ca.pem');
    fs.writeFileSync(caFile, `${(await ok(['certs:show', 'web', 'crt'])).stdout}\n`);
    fs.writeFileSync(path.join(work.work, 'nginx.conf.sigil'), TLS_TEMPLATE);
    fs.writeFileSync(path.join(work.work, 'version.txt'), 'v3\n');
    await commit('template with TLS');
    const push = await work.push('web');
    assert.equal(push.exitCode, 0, String(push.stderr));
    assert.match(String(push.stderr), /-----> Pre-validating custom nginx\.conf\.sigil/);
    // The template carries both forms, as Dokku's own does; Dokku warns of `listen … http2` whatever nginx runs.
    assert.match(String(push.stderr), / ! {5}Deprecated: Usage of 'listen \.\.\. http2' within nginx\.conf\.sigil templates is deprecated since nginx 1\.25\.1/);
    await ok(['ps:scale', 'web', 'worker=1']);
    const version = parseNginxVersion(String((await execa('nginx', ['-v'], { reject: false })).stderr));
    const { directive, push: h2push } = http2Support(version);
    const conf = (await ok(['nginx:show-config', 'web'])).stdout;
    assert.ok(conf.includes(directive ? `listen 127.0.0.1:${httpsPort} ssl;\n  http2 on;` : `listen 127.0.0.1:${httpsPort} ssl http2;`), conf);
    assert.equal(conf.includes('http2_push_preload on;'), h2push, conf);
    assert.match(conf, /# worker listeners: 127\.0\.0\.1:\d+\n/);
    assert.ok(conf.includes(`ssl_certificate ${path.join(server.home, 'home')}/web/tls/server.crt;`), conf);
    assert.equal((await ok(['nginx:validate-config', 'web'])).code, 0);
    const r = await execa('curl', ['-sS', '--http2', '-D', '-', '--cacert', caFile, '--resolve', `web.test:${httpsPort}:127.0.0.1`, `https://web.test:${httpsPort}/`], { reject: false });
    assert.equal(r.exitCode, 0, String(r.stderr));
    const [headers, body] = String(r.stdout).split('\r\n\r\n');
    assert.match(headers, /^HTTP\/2 200/);
    assert.equal(body, 'v3 web.1');
    // Dokku's SSL_SERVER_NAME leaves out the names NOSSL_SERVER_NAME already holds: all of them here.
    assert.match(headers, new RegExp(`^x-template: https ssl=true directive=${directive} push=${h2push} names=\\[\\]$`, 'im'));
    const plain = await get();
    assert.match(plain.headers, /^x-template: http ssl=true /im);
  });
});
