// git run on the test's own repositories (no server involved): a fixed identity, no user or system
// config, no prompts; a failing command fails the test with git's stderr.
import assert from 'node:assert/strict';
import { execa } from 'execa';

export const localGitEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.invalid', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

/** `git ARGS` in `cwd`; its trimmed stdout. */
export async function localGit(cwd: string, args: string[]): Promise<string> {
  const r = await execa('git', args, { cwd, env: localGitEnv, extendEnv: false, reject: false });
  assert.equal(r.exitCode, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
