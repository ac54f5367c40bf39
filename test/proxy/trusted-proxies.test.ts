// 10.7: SLIPWAY_TRUSTED_PROXIES is read in settings.ts (addresses and CIDR ranges, one clear error
// otherwise) and matched per peer, IPv4-mapped IPv6 peers included.
import assert from 'node:assert/strict';
import { loadSettings, parseTrustedProxies } from '../../src/settings.js';
import { trustedProxies } from '../../src/proxy/trusted.js';

describe('10.7 proxy headers: the trusted-proxy list', () => {
  it('10.7 defaults to nobody; takes addresses and ranges separated by commas or spaces', () => {
    assert.deepEqual(loadSettings({}).trustedProxies, []);
    assert.deepEqual(loadSettings({ SLIPWAY_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.0.2.7  2001:db8::/32,::1 ' }).trustedProxies,
      ['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1']);
  });

  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.1/8/8', '::1/129', '10.0.0/8', '1.2.3.4/x']) {
    it(`10.7 refuses '${bad}' with one line naming the variable`, () => {
      assert.throws(() => parseTrustedProxies(bad), (error: Error) => /^SLIPWAY_TRUSTED_PROXIES must list IP addresses or CIDR ranges, got '/.test(error.message));
    });
  }

  it('10.7 matches addresses, ranges and IPv4-mapped peers; an empty list trusts nobody', () => {
    const list = trustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
    assert.equal(list.has('10.1.2.3'), true);
    assert.equal(list.has('::ffff:10.1.2.3'), true);
    assert.equal(list.has('192.0.2.7'), true);
    assert.equal(list.has('192.0.2.8'), false);
    assert.equal(list.has('fd12::1'), true);
    assert.equal(list.has('fe80::1'), false);
    assert.equal(list.has(undefined), false);
    assert.equal(trustedProxies([]).has('127.0.0.1'), false);
  });
});
