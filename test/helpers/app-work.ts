// A git work tree of an app fixture (test/fixtures/apps/NAME, with `files` laid over it; fixture
// null: the files alone),
// committed once, that pushes to a TestServer with the real git client over real ssh.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { TestServer, gitClientEnv, repoRoot } from './server.js';

export interface AppWork {
  work: string;
  git(args: string[]): Promise<Result>;
  /** `git push ssh://dokku@127.0.0.1:PORT/APP main`; the caller checks the result. */
  push(app: string): Promise<Result>;
}

export async function appWork(server: TestServer, options: { fixture?: string | null; files?: Record<string, string> } = {}): Promise<AppWork> {
  const home = fs.mkdtempSync(path.join(server.dir, 'client-home-'));
  const env = gitClientEnv(server.admin, home);
  const work = fs.mkdtempSync(path.join(server.dir, 'work-'));
  if (options.fixture !== null) fs.cpSync(path.join(repoRoot, 'test', 'fixtures', 'apps', options.fixture ?? 'node-app'), work, { recursive: true });
  for (const [name, content] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(work, name)), { recursive: true });
    fs.writeFileSync(path.join(work, name), content);
  }
  const git = (args: string[]): Promise<Result> => execa('git', args, { cwd: work, env, extendEnv: false, reject: false });
  for (const args of [['init', '-q', '-b', 'main'], ['add', '-A'], ['commit', '-q', '-m', 'v1']]) {
    const r = await git(args);
    assert.equal(r.exitCode, 0, `git ${args[0]}: ${String(r.stderr)}`);
  }
  return { work, git, push: (app) => git(['push', `ssh://dokku@127.0.0.1:${server.sshPort}/${app}`, 'main']) };
}
