// Pure unit tests of an app's own nginx.conf.sigil (src/proxy/nginx/custom.ts): the variables Dokku
// passes, mapped onto Slipway's listen ports; upstream blocks filled with Slipway's servers; blank
// runs squeezed as `cat -s` does; a template error as one line.
import assert from 'node:assert/strict';
import { renderCustom, templateVariables, fillUpstreams } from '../../src/proxy/nginx/custom.js';
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
});
