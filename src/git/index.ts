// The git layer as the server sees it: exec handling for git verbs over SSH, the control
// handler for hooks, and the HTTP transport. (Placeholder until the git layer lands.)
import type { Services } from '../services.js';
import type { PushDeployer } from '../deploy/types.js';
import type { ExecRequest } from '../ssh/session.js';
import type { ControlHandler } from '../control/server.js';
import { prefix } from '../log.js';

export const GIT_VERBS = new Set(['git-receive-pack', 'git-upload-pack', 'git-upload-archive']);

export interface GitService {
  /** Runs `git-receive-pack 'app'` and friends for an authenticated SSH session. */
  handleExec(argv: string[], request: ExecRequest): Promise<number>;
  /** Control-socket handler for requests from git hooks (kind `pre-receive`). */
  handleHook: ControlHandler;
  banner: string[];
  close(): Promise<void>;
}

export async function startGit(_services: Services, _deployer: PushDeployer, _log: (line: string) => void): Promise<GitService> {
  return {
    async handleExec(_argv, request) {
      request.io.stderr.write(`${prefix.warn}git transport is not available on this server yet\n`);
      return 1;
    },
    async handleHook(_request, io) {
      io.stderr.write(`${prefix.warn}git hooks are not available on this server yet\n`);
      return 1;
    },
    banner: [],
    async close() { /* nothing started */ },
  };
}
