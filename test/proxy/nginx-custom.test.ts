// Pure unit tests of an app's own nginx.conf.sigil (src/proxy/nginx/custom.ts): the variables Dokku
// passes, mapped onto Slipway's listen ports; upstream blocks filled with Slipway's servers; blank
// runs squeezed as `cat -s` does; a template error as one line.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderCustom, templateVariables, fillUpstreams, http2Support, parseNginxVersion, certificateNames, sslServerName, templateDeprecations } from '../../src/proxy/nginx/custom.js';
import { computeValues } from '../../src/proxy/nginx/properties.js';
import type { SiteInput } from '../../src/proxy/nginx/render.js';
import { SlipwayError } from '../../src/errors.js';

function site(overrides: Partial<SiteInput> = {}): SiteInput {
  return {
    app: 'web',
    hostnames: ['web.test', 'www.web.test'],
    maps: [{ scheme: 'http', hostPort: 80, containerPort: 5000 }, { scheme: 'https', hostPort: 443, containerPort: 5000 }, { scheme: 'http', hostPort: 9000, containerPort: 3000 }],
    target: { kind: 'upstreams', upstreams: [{ host: '127.0.0.1', port: 41001 }, { host: '127.0.0.1', port: 41002 }] },
    includeDir: '/d/home/web/nginx.conf.d',
    acmeDir: '/d/lib/data/apps/web/acme-challenges',
    values: computeValues(new Map(), new Map(), 'web', '/d/logs'),
    listen: { httpHost: '127.0.0.1', httpPort: 8000, httpsHost: '127.0.0.1', httpsPort: 8443 },
    ...overrides,
  };
}

describe('an app\'s nginx.conf.sigil (custom template)', () => {
  it('passes Dokku\'s variables: ports 80/443 become Slipway\'s listen ports; https only with a certificate', () => {
    const plain = templateVariables(site(), '/d/lib');
    assert.equal(plain.PROXY_PORT_MAP, 'http:8000:5000 http:9000:3000');
    assert.equal(plain.PROXY_UPSTREAM_PORTS, '5000 3000');
    assert.deepEqual([plain.APP, plain.DOKKU_ROOT, plain.DOKKU_LIB_ROOT, plain.NOSSL_SERVER_NAME, plain.SSL_INUSE], ['web', '/d/home', '/d/lib', 'web.test www.web.test', '']);
    assert.deepEqual([plain.NGINX_BIND_ADDRESS_IP4, plain.NGINX_BIND_ADDRESS_IP6, plain.PROXY_PORT, plain.PROXY_SSL_PORT], ['127.0.0.1', '::1', '8000', '8443']);
    assert.equal(plain.DOKKU_APP_WEB_LISTENERS, '127.0.0.1:41001 127.0.0.1:41002');
    assert.deepEqual([plain.CLIENT_MAX_BODY_SIZE, plain.PROXY_KEEPALIVE, plain.NGINX_ACCESS_LOG_PATH], ['1m', '64', '/d/logs/web-access.log']);
    const secure = templateVariables(site({ tlsDir: '/d/home/web/tls' }), '/d/lib');
    assert.equal(secure.PROXY_PORT_MAP, 'http:8000:5000 https:8443:5000 http:9000:3000');
    assert.deepEqual([secure.SSL_INUSE, secure.APP_SSL_PATH], ['true', '/d/home/web/tls']);
    assert.equal(templateVariables(site({ target: { kind: 'stopped' } }), '/d/lib').DOKKU_APP_WEB_LISTENERS, '');
    // Without vhosts: the app's proxy-port and proxy-ssl-port, as Dokku passes them.
    const vhostless = templateVariables(site({ proxyPorts: { http: 41234, https: 41443 } }), '/d/lib');
    assert.deepEqual([vhostless.PROXY_PORT, vhostless.PROXY_SSL_PORT, vhostless.NGINX_PORT], ['41234', '41443', '41234']);
  });

  it('fills each upstream APP-PORT block with Slipway\'s servers (the process ports for 5000)', () => {
    const text = 'upstream web-5000 {\n  keepalive 8;\n  server 127.0.0.1:5000;\n}\nupstream web-3000 {\n  server 127.0.0.1:3000;\n}\nupstream other-5000 {\n  server 10.0.0.1:1;\n}\n';
    assert.equal(fillUpstreams(text, site()),
      'upstream web-5000 {\n  keepalive 8;\n  server 127.0.0.1:41001;\n  server 127.0.0.1:41002;\n}\nupstream web-3000 {\n  server 127.0.0.1:3000;\n}\nupstream other-5000 {\n  server 10.0.0.1:1;\n}\n');
  });

  it('renders with sigil, squeezing blank runs as cat -s does', () => {
    const template = '{{ range $p := .PROXY_PORT_MAP | split " " }}\n\n\n# {{ $p }}\n{{ end }}\n  \n  \nupstream {{ $.APP }}-5000 {\n{{ range $l := $.DOKKU_APP_WEB_LISTENERS | split " " }}  server {{ $l }};\n{{ end }}}\n';
    assert.equal(renderCustom(site(), { text: template, name: 'nginx.conf.sigil' }, '/d/lib', {}),
      '\n# http:8000:5000\n\n# http:9000:3000\n\n  \n  \nupstream web-5000 {\n  server 127.0.0.1:41001;\n  server 127.0.0.1:41002;\n}\n');
  });

  it('a template that does not render is E_NGINX_INVALID with sigil\'s one line', () => {
    assert.throws(() => renderCustom(site(), { text: '{{ index .NOPE 1 }}', name: 'nginx.conf.sigil' }, '/d/lib', {}), (error: unknown) => {
      assert.ok(error instanceof SlipwayError);
      assert.equal(error.code, 'E_NGINX_INVALID');
      assert.equal(error.message, 'nginx.conf.sigil of web did not render: template: nginx.conf.sigil:1:3: executing "nginx.conf.sigil" at <index .NOPE 1>: error calling index: index of untyped nil');
      return true;
    });
  });

  it('var reads the app\'s config, as Dokku exports it for sigil', () => {
    assert.equal(renderCustom(site(), { text: '{{ var "GREETING" }}', name: 'n' }, '/d/lib', { GREETING: 'hi' }), 'hi');
  });

  it('HTTP2_DIRECTIVE_SUPPORTED and HTTP2_PUSH_SUPPORTED follow the nginx version as Dokku computes them', () => {
    assert.equal(parseNginxVersion('nginx version: nginx/1.22.1\n'), '1.22.1');
    assert.equal(parseNginxVersion('nginx version: nginx/1.25.3 (Ubuntu)\n'), '1.25.3');
    assert.equal(parseNginxVersion(''), '');
    const cases: [string, boolean, boolean][] = [
      ['1.13.8', false, false], ['1.13.9', false, true], ['1.14.0', false, true], ['1.22.1', false, true],
      ['1.24.0', false, true], ['1.25.0', false, false], ['1.25.1', true, false], ['1.26.2', true, false],
      ['1.27', true, false], ['2.0.0', true, true], ['0.9.9', false, false], ['', false, false],
    ];
    for (const [version, directive, push] of cases) assert.deepEqual(http2Support(version), { directive, push }, version);
    const vars = templateVariables(site({ nginxVersion: '1.22.1' }), '/d/lib');
    assert.deepEqual([vars.HTTP2_DIRECTIVE_SUPPORTED, vars.HTTP2_PUSH_SUPPORTED, vars.HTTP2_SUPPORTED, vars.SPDY_SUPPORTED, vars.TLS13_SUPPORTED, vars.GRPC_SUPPORTED],
      ['false', 'true', 'true', 'false', 'true', 'true']);
    const newer = templateVariables(site({ nginxVersion: '1.26.0' }), '/d/lib');
    assert.deepEqual([newer.HTTP2_DIRECTIVE_SUPPORTED, newer.HTTP2_PUSH_SUPPORTED], ['true', 'false']);
  });

  it('SSL_SERVER_NAME: empty without a certificate or while every covered domain is in NOSSL_SERVER_NAME; the global domains, last first, without vhosts', () => {
    const names = ['web.test', 'www.web.test'];
    assert.equal(templateVariables(site(), '/d/lib').SSL_SERVER_NAME, '');
    // Dokku's NOSSL_SERVER_NAME lists all of the app's domains, so the covered ones are all taken out.
    assert.equal(templateVariables(site({ tlsDir: '/t', certNames: names }), '/d/lib').SSL_SERVER_NAME, '');
    assert.equal(sslServerName(site({ tlsDir: '/t', certNames: ['*.web.test'] }), ''), 'www.web.test');
    assert.equal(sslServerName(site({ tlsDir: '/t', certNames: names }), ''), 'www.web.test web.test');
    assert.equal(sslServerName(site({ tlsDir: '/t', certNames: ['other.test'] }), ''), '');
    assert.equal(sslServerName(site({ tlsDir: '/t', certNames: names }), 'web.test'), 'www.web.test');
    const vhostless = site({ hostnames: [], vhostEnabled: false, globalDomains: ['a.test', 'b.test'], tlsDir: '/t', certNames: ['x.test'] });
    const vars = templateVariables(vhostless, '/d/lib');
    assert.deepEqual([vars.NOSSL_SERVER_NAME, vars.SSL_SERVER_NAME], ['', 'b.test a.test']);
    assert.equal(templateVariables({ ...vhostless, tlsDir: undefined }, '/d/lib').SSL_SERVER_NAME, '');
  });

  it('a certificate\'s names are its subject CN and DNS alternative names, as Dokku\'s get_ssl_hostnames reads them', function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-cert-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k'), '-out', path.join(dir, 'c'), '-days', '1',
        '-subj', '/O=Test/CN=web.test', '-addext', 'subjectAltName=DNS:www.web.test,DNS:*.api.web.test,IP:127.0.0.1'], { stdio: 'ignore' });
      assert.deepEqual(certificateNames(fs.readFileSync(path.join(dir, 'c'), 'utf8')), ['*.api.web.test', 'web.test', 'www.web.test']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(certificateNames('not a certificate'), []);
  });

  it('DOKKU_APP_<TYPE>_LISTENERS for each other running process type, only while web has listeners', () => {
    const processes = { web: ['127.0.0.1:41001'], worker: ['127.0.0.1:5000', '127.0.0.1:5000'], 'queue-high': ['127.0.0.1:41005'] };
    const target = { kind: 'upstreams' as const, upstreams: [{ host: '127.0.0.1', port: 41001 }], processes };
    const vars = templateVariables(site({ target }), '/d/lib');
    assert.deepEqual([vars.DOKKU_APP_WEB_LISTENERS, vars.DOKKU_APP_LISTENERS, vars.DOKKU_APP_WORKER_LISTENERS, vars.DOKKU_APP_QUEUE_HIGH_LISTENERS],
      ['127.0.0.1:41001', '127.0.0.1:41001', '127.0.0.1:5000 127.0.0.1:5000', '127.0.0.1:41005']);
    const none = templateVariables(site({ target: { ...target, upstreams: [] } }), '/d/lib');
    assert.deepEqual([none.DOKKU_APP_WEB_LISTENERS, none.DOKKU_APP_WORKER_LISTENERS], ['', undefined]);
    assert.deepEqual([vars.PASSED_LISTEN_IP_PORT, vars.DOKKU_APP_LISTEN_IP, vars.DOKKU_APP_LISTEN_PORT], ['', '', '']);
  });

  it('warns of what Dokku deprecated in a template: DOKKU_APP_LISTENERS, NGINX_PORT, NGINX_SSL_PORT, listen … http2', () => {
    assert.deepEqual(templateDeprecations('listen {{ $.PROXY_PORT }};\nhttp2 on;\n{{ $.DOKKU_APP_WEB_LISTENERS }}'), []);
    const all = templateDeprecations('{{ $.DOKKU_APP_LISTENERS }} {{ $.NGINX_PORT }} {{ $.NGINX_SSL_PORT }}\n  listen [::]:443 ssl http2;\n');
    assert.deepEqual(all.map((w) => w.split(' ')[3]), ['DOKKU_APP_LISTENERS', 'NGINX_SSL_PORT', 'NGINX_PORT', "'listen"]);
    assert.equal(all[3], "Deprecated: Usage of 'listen ... http2' within nginx.conf.sigil templates is deprecated since nginx 1.25.1 in favor of the standalone 'http2 on;' directive");
    assert.deepEqual(templateDeprecations('listen 443 ssl http2_x;'), []);
  });
});
