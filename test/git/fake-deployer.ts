// A test-only PushDeployer: prints Dokku-style build lines and fails when the pushed tree holds
// a file named FAIL. It reads the tree with the hook's quarantine env (push.gitEnv), and records
// whether the commit was readable without it (it must not be, for new objects).
import { execa } from 'execa';
import type { PushDeployer, PushRequest } from '../../src/deploy/types.js';
import type { Out } from '../../src/log.js';
import { DeployFailed } from '../../src/errors.js';

export interface DeployRecord { push: PushRequest; files: string[]; readableWithoutQuarantine: boolean; aborted?: boolean }

async function lsTree(push: PushRequest, env: Record<string, string>): Promise<string[] | undefined> {
  const result = await execa('git', ['--git-dir', push.repoDir, 'ls-tree', '--name-only', push.newRev], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, extendEnv: false, reject: false,
  });
  return result.exitCode === 0 ? result.stdout.split('\n').filter(Boolean) : undefined;
}

export class FakeDeployer implements PushDeployer {
  readonly deploys: DeployRecord[] = [];
  /** Per-app delay, to hold a deploy open while a test does something else. */
  delayMs = 0;

  async deploy(push: PushRequest, out: Out, signal: AbortSignal): Promise<void> {
    out.stdout.write(`-----> Building ${push.newRev} (${push.ref}) for ${push.app}\n`);
    const files = await lsTree(push, push.gitEnv);
    if (!files) throw new DeployFailed(`cannot read ${push.newRev} with the quarantine env`);
    const readableWithoutQuarantine = (await lsTree(push, {})) !== undefined;
    const record: DeployRecord = { push, files, readableWithoutQuarantine };
    this.deploys.push(record);
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    record.aborted = signal.aborted;
    if (signal.aborted) throw new DeployFailed('deploy aborted');
    if (files.includes('FAIL')) throw new DeployFailed(`Build failed: FAIL file found in ${push.newRev.slice(0, 7)}`);
    out.stdout.write(`-----> Released ${push.newRev.slice(0, 7)}\n`);
  }

  forApp(app: string): DeployRecord[] {
    return this.deploys.filter((d) => d.push.app === app);
  }
}
