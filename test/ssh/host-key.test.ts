// The host key is kept only when ssh2 can read it back (ssh2's ed25519 generator makes about one
// unreadable key in 256), and a key on disk that cannot be read stops start-up with one clear line.
import assert from 'node:assert/strict';
import ssh2 from 'ssh2';
import { checkHostKey, generateHostKey, readableKeyPair, type KeyPair } from '../../src/ssh/host-key.js';
import { SlipwayError } from '../../src/errors.js';

/** A pair whose public half lost its first byte, as ssh2's generator does when that byte is 0. */
function truncatedPair(): KeyPair {
  const good = ssh2.utils.generateKeyPairSync('ed25519');
  const [type, data] = good.public.split(' ');
  const blob = Buffer.from(data, 'base64');
  // ssh-ed25519 blob: string "ssh-ed25519" then a 32-byte string; shorten the key to 31 bytes.
  const keyAt = 4 + 'ssh-ed25519'.length;
  const shortened = Buffer.concat([blob.subarray(0, keyAt), Buffer.from([0, 0, 0, 31]), blob.subarray(keyAt + 5)]);
  return { private: good.private, public: `${type} ${shortened.toString('base64')}` };
}

describe('ssh: host key generation', () => {
  it('a pair with a shortened ed25519 public key is unreadable, and generateHostKey skips it', () => {
    const bad = truncatedPair();
    assert.equal(readableKeyPair(bad), false);
    let calls = 0;
    const pair = generateHostKey(() => (++calls <= 2 ? bad : ssh2.utils.generateKeyPairSync('ed25519')));
    assert.equal(calls, 3);
    assert.equal(readableKeyPair(pair), true);
  });

  it('gives up with E_HOST_KEY when the generator never yields a readable pair', () => {
    const bad = truncatedPair();
    assert.throws(() => generateHostKey(() => bad), (e: unknown) => e instanceof SlipwayError && e.code === 'E_HOST_KEY');
  });

  it('500 generated keys all parse (ssh2 alone fails about 2 of 500)', () => {
    for (let i = 0; i < 500; i++) assert.equal(readableKeyPair(generateHostKey()), true);
  });

  it('a host key file that cannot be parsed is one clear error naming the file', () => {
    assert.throws(() => checkHostKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', '/data/keys/ssh_host_ed25519_key'),
      (e: unknown) => e instanceof SlipwayError && e.code === 'E_HOST_KEY' && /\/data\/keys\/ssh_host_ed25519_key cannot be read/.test(e.message) && !e.message.includes('\n'));
    const good = generateHostKey().private;
    assert.equal(checkHostKey(good, 'f'), good);
  });
});
