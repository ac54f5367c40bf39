// sshcommand's authorized_keys format: lines as sshcommand's acl-add writes them are read back,
// Slipway's own lines pass OpenSSH's parser (ssh-keygen -lf, what Dokku's check runs), and every
// kind of broken line is reported with its number and never becomes a key.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { formatKeyLine, parseKeyFile, sha256Fingerprint } from '../../src/store/authorized-keys.js';

interface Made { type: string; data: string; comment: string; text: string; fingerprint: string }

let dir: string;
async function makeKey(name: string, type = 'ed25519'): Promise<Made> {
  const file = path.join(dir, `id_${name}`);
  await execa('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `${name}@laptop`, '-f', file, ...(type === 'rsa' ? ['-b', '2048'] : [])]);
  const text = fs.readFileSync(`${file}.pub`, 'utf8').trim();
  const [t, data, comment] = text.split(' ');
  const { stdout } = await execa('ssh-keygen', ['-lf', `${file}.pub`]);
  return { type: t, data, comment, text, fingerprint: stdout.split(' ')[1] };
}

/** Exactly what sshcommand acl-add appends (its KEY_PREFIX, then the key file's line). */
function sshcommandLine(key: Made, name: string, home = '/home/dokku'): string {
  return `command="FINGERPRINT=${key.fingerprint} NAME=\\"${name}\\" \`cat ${home}/.sshcommand\` $SSH_ORIGINAL_COMMAND",no-agent-forwarding,no-user-rc,no-X11-forwarding,no-port-forwarding ${key.text}`;
}

describe('authorized_keys in sshcommand\'s format', () => {
  let a: Made;
  let b: Made;
  let rsa: Made;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-akeys-'));
    [a, b, rsa] = await Promise.all([makeKey('alice'), makeKey('bob'), makeKey('carol', 'rsa')]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads lines sshcommand wrote, with the fingerprint ssh-keygen prints; such keys are admin', () => {
    const parsed = parseKeyFile(`# keys\n${sshcommandLine(a, 'alice')}\n\n${sshcommandLine(rsa, 'carol')}\n`);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.keys.map((k) => [k.line, k.name, k.fingerprint, k.type, k.comment, k.admin]), [
      [2, 'alice', a.fingerprint, 'ssh-ed25519', 'alice@laptop', true],
      [4, 'carol', rsa.fingerprint, 'ssh-rsa', 'carol@laptop', true],
    ]);
    assert.equal(parsed.keys[0].options, 'no-agent-forwarding,no-user-rc,no-x11-forwarding,no-port-forwarding');
  });

  it('reads the old unquoted NAME= and an MD5 fingerprint (sshcommand before OpenSSH 6.8)', () => {
    const md5 = createHash('md5').update(Buffer.from(a.data, 'base64')).digest('hex').replace(/(..)(?!$)/g, '$1:');
    const line = `command="FINGERPRINT=${md5} NAME=alice \`cat /home/dokku/.sshcommand\` $SSH_ORIGINAL_COMMAND",no-agent-forwarding ${a.text}`;
    const parsed = parseKeyFile(line);
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.keys[0].name, 'alice');
    assert.equal(parsed.keys[0].fingerprint, sha256Fingerprint(Buffer.from(a.data, 'base64')));
  });

  it('writes lines that read back the same and that OpenSSH itself accepts (ssh-keygen -lf)', async () => {
    const lines = [
      formatKeyLine({ name: 'alice', fingerprint: a.fingerprint, type: a.type, data: a.data, comment: a.comment, admin: true }, '/srv/slipway/home'),
      formatKeyLine({ name: 'bob', fingerprint: b.fingerprint, type: b.type, data: b.data, comment: '', admin: false }, '/srv/slipway/home'),
    ];
    assert.equal(lines[0], sshcommandLine(a, 'alice', '/srv/slipway/home'));
    const parsed = parseKeyFile(lines.join('\n') + '\n');
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.keys.map((k) => [k.name, k.admin]), [['alice', true], ['bob', false]]);
    const file = path.join(dir, 'authorized_keys');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { stdout } = await execa('ssh-keygen', ['-lf', file]);
    assert.deepEqual(stdout.split('\n').map((l) => l.split(' ')[1]), [a.fingerprint, b.fingerprint]);
  });

  it('reports each broken line by number and keeps none of them as a key', () => {
    const good = sshcommandLine(a, 'alice');
    const lines = [
      good,
      b.text, // a bare key: a real sshd would give it a shell
      sshcommandLine(b, 'bob').replace(b.fingerprint, a.fingerprint), // FINGERPRINT of another key
      sshcommandLine(b, 'bob').slice(0, -30), // truncated key
      `from="10.0.0.0/8",${sshcommandLine(b, 'bob')}`, // a limit Slipway would not enforce
      sshcommandLine(b, 'bob').replace('NAME=\\"bob\\" ', ''), // no NAME
      sshcommandLine(b, 'bad name!').replace('bad name!', 'bad"name'), // quote in the name
      sshcommandLine(b, 'alice'), // a second "alice"
      `${good.replace(' ssh-ed25519', ',environment="SLIPWAY_KEY_ADMIN=maybe" ssh-ed25519')}`,
      'command="FINGERPRINT=x NAME=\\"x\\" broken',
    ];
    const parsed = parseKeyFile(lines.join('\n'));
    assert.deepEqual(parsed.keys.map((k) => k.name), ['alice']);
    assert.deepEqual(parsed.problems.map((p) => p.line), [2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const reasons = new Map(parsed.problems.map((p) => [p.line, p.reason]));
    assert.match(reasons.get(2)!, /bare key/);
    assert.match(reasons.get(3)!, /FINGERPRINT does not match/);
    assert.match(reasons.get(5)!, /option from is not supported/);
    assert.match(reasons.get(8)!, /repeats the NAME "alice" of line 1/);
  });
});
