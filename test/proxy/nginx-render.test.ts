// Pure unit tests of the nginx.conf Slipway writes for an app (src/proxy/nginx/render.ts), the
// property checks (properties.ts) and how nginx -t output becomes one line (server.ts).
import assert from 'node:assert/strict';
import { renderSite, type SiteInput } from '../../src/proxy/nginx/render.js';
import { computeValues, findProperty, refuseValue } from '../../src/proxy/nginx/properties.js';
import { oneLine } from '../../src/proxy/nginx/server.js';

function site(overrides: Partial<SiteInput> = {}): SiteInput {
  return {
    app: 'web',
    hostnames: ['web.test', '*.web.test'],
    maps: [{ scheme: 'http', hostPort: 80, containerPort: 5000 }],
    target: { kind: 'upstreams', upstreams: [{ host: '127.0.0.1', port: 41001 }, { host: '127.0.0.1', port: 41002 }] },
    includeDir: '/d/home/web/nginx.conf.d',
    acmeDir: '/d/lib/data/apps/web/acme-challenges',
    values: computeValues(new Map(), new Map(), 'web', '/d/logs'),
    listen: { httpHost: '127.0.0.1', httpPort: 8000, httpsHost: '127.0.0.1', httpsPort: 8443 },
    ...overrides,
  };
}

/** The text of each `server { … }` block (top level), in order. */
function servers(conf: string): string[] {
  return conf.split(/^server \{$/m).slice(1).map((block) => block.slice(0, block.indexOf('\n}\n')));
}

describe('nginx.conf for an app (proxy type nginx)', () => {
  it('one upstream per container port (5000: each process\'s own port) and keepalive', () => {
    const conf = renderSite(site({ maps: [{ scheme: 'http', hostPort: 80, containerPort: 5000 }, { scheme: 'http', hostPort: 9000, containerPort: 3000 }] }));
    assert.match(conf, /upstream web-5000 \{\n {2}keepalive 64;\n {2}server 127\.0\.0\.1:41001;\n {2}server 127\.0\.0\.1:41002;\n\}/);
    assert.match(conf, /upstream web-3000 \{\n {2}keepalive 64;\n {2}server 127\.0\.0\.1:3000;\n\}/);
    const [first, second] = servers(conf);
    assert.match(first, /listen 127\.0\.0\.1:8000;/);
    assert.match(first, /proxy_pass http:\/\/web-5000;/);
    assert.match(second, /listen 127\.0\.0\.1:9000;/);
    assert.match(second, /proxy_pass http:\/\/web-3000;/);
    const none = renderSite(site({ values: computeValues(new Map([['proxy-keepalive', '0']]), new Map(), 'web', '/d/logs') }));
    assert.doesNotMatch(none, /keepalive \d/);
  });

  it('includes nginx.conf.d/*.conf inside the server block, after location / (Dokku\'s place)', () => {
    const [block] = servers(renderSite(site()));
    assert.match(block, /server_name web\.test \*\.web\.test;/);
    const include = block.indexOf('include /d/home/web/nginx.conf.d/*.conf;');
    assert.ok(include > block.indexOf('location / {'), block);
    assert.match(block, /location \^~ \/\.well-known\/acme-challenge\/ \{\n {4}alias \/d\/lib\/data\/apps\/web\/acme-challenges\/;/);
  });

  it('with a certificate: port 80 only redirects (fragments before its location), HTTPS has TLS and HSTS', () => {
    const conf = renderSite(site({ tlsDir: '/d/home/web/tls', maps: [{ scheme: 'http', hostPort: 80, containerPort: 5000 }, { scheme: 'https', hostPort: 443, containerPort: 5000 }] }));
    const [plain, secure] = servers(conf);
    assert.match(plain, /location \/ \{\n {4}return 301 https:\/\/\$host:8443\$request_uri;\n {2}\}/);
    assert.ok(plain.indexOf('include /d/home/web/nginx.conf.d/*.conf;') < plain.indexOf('location / {'), plain);
    assert.doesNotMatch(plain, /proxy_pass/);
    assert.match(secure, /listen 127\.0\.0\.1:8443 ssl http2;/);
    assert.match(secure, /ssl_certificate \/d\/home\/web\/tls\/server\.crt;/);
    assert.match(secure, /ssl_certificate_key \/d\/home\/web\/tls\/server\.key;/);
    assert.match(secure, /add_header Strict-Transport-Security "max-age=15724800; includeSubdomains" always;/);
    const off = renderSite(site({ tlsDir: '/t', maps: [{ scheme: 'https', hostPort: 443, containerPort: 5000 }], values: computeValues(new Map([['hsts', 'false']]), new Map(), 'web', '/d/logs') }));
    assert.doesNotMatch(off, /Strict-Transport-Security/);
    const port443 = renderSite(site({ tlsDir: '/t', listen: { httpHost: '0.0.0.0', httpPort: 80, httpsHost: '0.0.0.0', httpsPort: 443 } }));
    assert.match(port443, /return 301 https:\/\/\$host\$request_uri;/);
  });

  it('the per-app access log is buffered (one write per 32k or per second), with Dokku\'s format and path properties', () => {
    const [block] = servers(renderSite(site()));
    assert.match(block, /\n {2}access_log \/d\/logs\/web-access\.log combined buffer=32k flush=1s;\n/);
    assert.match(block, /\n {2}error_log \/d\/logs\/web-error\.log;\n/);
    const custom = computeValues(new Map([['access-log-format', 'timed'], ['access-log-path', '/var/log/web.log']]), new Map(), 'web', '/d/logs');
    assert.match(renderSite(site({ values: custom })), /\n {2}access_log \/var\/log\/web\.log timed buffer=32k flush=1s;\n/);
    const off = computeValues(new Map([['access-log-format', 'timed'], ['access-log-path', 'off']]), new Map(), 'web', '/d/logs');
    assert.match(renderSite(site({ values: off })), /\n {2}access_log off;\n/);
  });

  it('a stopped app answers 503, a static one is served from its folder; other schemes get no server', () => {
    assert.match(renderSite(site({ target: { kind: 'stopped' } })), /location \/ \{\n {4}return 503;/);
    assert.doesNotMatch(renderSite(site({ target: { kind: 'stopped' } })), /upstream/);
    assert.match(renderSite(site({ target: { kind: 'static', dir: '/d/releases/v3' } })), /root \/d\/releases\/v3;/);
    assert.equal(servers(renderSite(site({ maps: [{ scheme: 'grpc', hostPort: 50051, containerPort: 50051 }] }))).length, 0);
  });

  it('properties: the app wins over --global, then Dokku\'s defaults; values nginx would misread are refused', () => {
    const values = computeValues(new Map([['client-max-body-size', '5m']]), new Map([['client-max-body-size', '9m'], ['proxy-read-timeout', '120s']]), 'web', '/d/logs');
    assert.equal(values['client-max-body-size'], '5m');
    assert.equal(values['proxy-read-timeout'], '120s');
    assert.equal(values['access-log-path'], '/d/logs/web-access.log');
    const size = findProperty('client-max-body-size');
    assert.ok(size);
    assert.equal(refuseValue(size, '10m'), undefined);
    assert.match(refuseValue(size, '1m; include /etc/passwd') ?? '', /Invalid value for client-max-body-size/);
    const logPath = findProperty('access-log-path');
    assert.ok(logPath);
    assert.match(refuseValue(logPath, '/var/log/x.log;') ?? '', /absolute path or off/);
    assert.equal(findProperty('nope'), undefined);
  });

  it('nginx -t output becomes one line: the findings, without timestamps, pids or the summary', () => {
    const output = 'nginx: [emerg] unknown directive "x" in /a/b.conf:1\nnginx: configuration file /a/nginx.conf test failed\n';
    assert.equal(oneLine(output), '[emerg] unknown directive "x" in /a/b.conf:1');
    assert.equal(oneLine('2026/12/02 07:01:11 [emerg] 18541#18541: host not found in upstream "z" in /c.conf:3\n'), '[emerg] host not found in upstream "z" in /c.conf:3');
  });
});
