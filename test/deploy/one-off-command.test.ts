// `run APP WORDS…` → the command line for the release's shell (src/deploy/one-off-command.ts),
// checked by running each line with sh as the release would.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { oneOffCommand } from '../../src/deploy/one-off-command.js';

const procfile = { web: 'node server.js', greet: 'echo hello' };
const sh = (line: string, env: Record<string, string> = {}): { out: string; code: number } => {
  try {
    return { out: execFileSync('sh', ['-c', line], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' }), code: 0 };
  } catch (error) {
    const e = error as { stdout: string; status: number };
    return { out: e.stdout, code: e.status };
  }
};

describe('run: the one-off command line (Dokku\'s run)', () => {
  it('a Procfile entry runs its command, the other words appended', () => {
    assert.equal(oneOffCommand(['greet'], procfile), 'echo hello');
    assert.equal(sh(oneOffCommand(['greet', 'big world', 'x'], procfile)).out, 'hello big world x\n');
  });

  it('several words keep their boundaries: sh -c \'exit 3\' exits 3', () => {
    assert.equal(sh(oneOffCommand(['sh', '-c', 'exit 3'], procfile)).code, 3);
    assert.equal(sh(oneOffCommand(['printf', '%s/', 'a b', 'it\'s', 'say "hi"', 'back\\slash'], procfile)).out, 'a b/it\'s/say "hi"/back\\slash/');
  });

  it('one word is a whole command line; $VAR and $(…) expand in the app\'s env either way', () => {
    assert.deepEqual(sh(oneOffCommand(['echo "$GREETING"; exit 4'], procfile), { GREETING: 'hi' }), { out: 'hi\n', code: 4 });
    assert.equal(sh(oneOffCommand(['echo', '$GREETING:$(echo x)'], procfile), { GREETING: 'hi' }).out, 'hi:x\n');
  });

  it('words without spaces or quotes reach the shell as they are (an unquoted `;` over ssh still splits)', () => {
    assert.equal(oneOffCommand(['echo', 'a;', 'echo', 'b'], procfile), 'echo a; echo b');
    assert.equal(sh(oneOffCommand(['echo', 'a;', 'echo', 'b'], procfile)).out, 'a\nb\n');
    assert.equal(oneOffCommand(['printf', ''], procfile), 'printf ""');
  });
});
