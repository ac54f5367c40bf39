// Host matching rules without a network: case, ports, trailing dots, wildcard precedence,
// hostname conflicts between apps, and refusal of malformed hostnames and upstreams.
import assert from 'node:assert/strict';
import { SlipwayError } from '../../src/errors.js';
import { hostKey, parseRouteHostname } from '../../src/proxy/hostnames.js';
import { RouteTable } from '../../src/proxy/route-table.js';

const up = (port: number) => ({ host: '127.0.0.1', port });
const appOf = (table: RouteTable, host: string) => table.lookup(host)?.app;

describe('proxy route table', () => {
  it('reduces a Host header to a case-insensitive key without the port', () => {
    assert.equal(hostKey('Example.COM:8080'), 'example.com');
    assert.equal(hostKey('example.com.'), 'example.com');
    assert.equal(hostKey('[::1]:80'), '[::1]');
    assert.equal(hostKey(undefined), '');
  });

  it('matches exact hostnames before wildcards, and the longest wildcard first', () => {
    const table = new RouteTable();
    table.setUpstreams('wild', ['*.example.com'], [up(1)]);
    table.setUpstreams('deep', ['*.api.example.com'], [up(2)]);
    table.setUpstreams('www', ['WWW.example.com'], [up(3)]);
    assert.equal(appOf(table, 'www.example.com:443'), 'www');
    assert.equal(appOf(table, 'blog.example.com'), 'wild');
    assert.equal(appOf(table, 'a.b.example.com'), 'wild');
    assert.equal(appOf(table, 'v1.api.example.com'), 'deep');
    assert.equal(appOf(table, 'example.com'), undefined);
    assert.equal(appOf(table, 'other.test'), undefined);
  });

  it('a leading dot (Dokku\'s and nginx\'s `.example.com`) routes the name itself and every name under it', () => {
    const table = new RouteTable();
    table.setUpstreams('dotted', ['.example.com'], [up(1)]);
    assert.equal(appOf(table, 'example.com'), 'dotted');
    assert.equal(appOf(table, 'www.example.com'), 'dotted');
    assert.equal(appOf(table, 'a.b.example.com'), 'dotted');
    assert.equal(appOf(table, 'notexample.com'), undefined);
    assert.throws(() => table.setUpstreams('other', ['example.com'], [up(2)]), SlipwayError);
    assert.throws(() => table.setUpstreams('bad', ['..example.com'], [up(3)]), SlipwayError);
  });

  it('replaces an app\'s routes as a whole and forgets removed apps', () => {
    const table = new RouteTable();
    table.setUpstreams('a', ['a.test', 'old.test'], [up(1)]);
    const before = table.lookup('a.test');
    table.setUpstreams('a', ['a.test'], [up(2)]);
    assert.notEqual(table.lookup('a.test'), before);
    assert.equal(appOf(table, 'old.test'), undefined);
    table.remove('a');
    assert.equal(appOf(table, 'a.test'), undefined);
    assert.deepEqual(table.list(), []);
  });

  it('refuses a hostname already routed to another app and keeps the table unchanged', () => {
    const table = new RouteTable();
    table.setUpstreams('a', ['shared.test'], [up(1)]);
    assert.throws(() => table.setUpstreams('b', ['b.test', 'Shared.test'], [up(2)]),
      (error: SlipwayError) => error.code === 'E_PROXY_HOSTNAME_IN_USE' && /a/.test(error.message));
    assert.equal(appOf(table, 'shared.test'), 'a');
    assert.equal(appOf(table, 'b.test'), undefined);
  });

  it('`*` takes every Host header no other route matches (and none), after exact and wildcard names', () => {
    const table = new RouteTable();
    table.setUpstreams('any', ['*'], [up(1)]);
    table.setUpstreams('a', ['a.test', '*.w.test'], [up(2)]);
    assert.equal(appOf(table, 'a.test'), 'a');
    assert.equal(appOf(table, 'x.w.test'), 'a');
    for (const host of ['other.test', '127.0.0.1:8080', '']) assert.equal(appOf(table, host), 'any', host);
    assert.equal(table.lookup(undefined)?.app, 'any');
    assert.throws(() => table.setUpstreams('b', ['*'], [up(3)]), (error: SlipwayError) => error.code === 'E_PROXY_HOSTNAME_IN_USE');
    table.remove('any');
    assert.equal(appOf(table, 'other.test'), undefined);
  });

  it('refuses malformed hostnames, upstreams and relative static directories', () => {
    const table = new RouteTable();
    for (const bad of ['', 'a b.test', 'foo.*.test', ' * ', '**', '*.', 'x/y', '-a.test', 'a..test']) {
      assert.throws(() => parseRouteHostname(bad), (error: SlipwayError) => error.code === 'E_PROXY_INVALID_HOSTNAME', bad);
    }
    assert.throws(() => table.setUpstreams('a', ['a.test'], [{ host: '127.0.0.1', port: 0 }]),
      (error: SlipwayError) => error.code === 'E_PROXY_INVALID_UPSTREAM');
    assert.throws(() => table.setStatic('a', ['a.test'], 'relative/dir'),
      (error: SlipwayError) => error.code === 'E_PROXY_INVALID_STATIC_DIR');
    assert.deepEqual(table.list(), []);
  });
});
