// The git layer as the server sees it: git verbs over SSH, the control handler for the
// pre-receive hook, and the smart-HTTP transport, all sharing one transport and push registry.
import type { Services } from '../services.js';
import type { PushDeployer } from '../deploy/types.js';
import type { ExecRequest } from '../ssh/session.js';
import type { ControlHandler } from '../control/server.js';
import { prefix } from '../log.js';
import { UsageError, reportError } from '../errors.js';
import { PushRegistry } from './pushes.js';
import { GitTransport } from './transport.js';
import { HookHandler } from './hook.js';
import { GitHttpServer } from './http.js';
import { HttpsListener } from '../os/https-listener.js';
import { parseRepoArg } from './repo-name.js';

export const GIT_VERBS = new Set(['git-receive-pack', 'git-upload-pack', 'git-upload-archive']);

export interface GitService {
  /** Runs `git-receive-pack 'app'` and friends for an authenticated SSH session. */
  handleExec(argv: string[], request: ExecRequest): Promise<number>;
  /** Control-socket handler for requests from git hooks (kind `pre-receive`). */
  handleHook: ControlHandler;
  banner: string[];
  close(): Promise<void>;
}

export async function startGit(services: Services, deployer: PushDeployer, log: (line: string) => void): Promise<GitService> {
  const pushes = new PushRegistry();
  const transport = new GitTransport(services, pushes, log);
  const hooks = new HookHandler(services, deployer, pushes, transport, log);
  const http = new GitHttpServer(services, transport, log);
  const { host, port } = services.settings.gitHttpListen;
  const address = await http.listen(host, port);
  const shown = (a: { family: string; address: string }) => (a.family === 'IPv6' ? `[${a.address}]` : a.address);
  const shownHost = shown(address);
  const { gitHttpsListen, gitTls } = services.settings;
  let secure: HttpsListener | undefined;
  const banner = [`git-http: http://${shownHost}:${address.port}`];
  if (gitHttpsListen && gitTls) {
    try {
      secure = new HttpsListener(gitTls, http.onRequest, log);
      const bound = await secure.listen(gitHttpsListen.host, gitHttpsListen.port);
      banner.push(`git-https: https://${shown(bound)}:${bound.port}`);
    } catch (error) {
      await secure?.close();
      await http.close();
      throw error;
    }
  }

  return {
    async handleExec(argv, request) {
      const { io, identity, signal } = request;
      try {
        if (argv.length !== 2) throw new UsageError(`Usage: ${argv[0]} '<app>'`);
        const app = parseRepoArg(argv[1]);
        const verb = argv[0].slice('git-'.length) as 'receive-pack' | 'upload-pack' | 'upload-archive';
        await transport.authorize(verb, app, identity, io.stderr, signal);
        const streams = { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr };
        return verb === 'receive-pack'
          ? await transport.push(app, 'ssh', identity, streams, signal)
          : await transport.read(verb, app, 'ssh', streams, signal);
      } catch (error) {
        // SSH git errors become one line on stderr (stdout is git's).
        return reportError(error, io.stderr, (stack) => log(`git ${argv[0]} failed: ${stack}`));
      }
    },
    async handleHook(request, io, signal) {
      if (request.kind !== 'pre-receive') {
        io.stderr.write(`${prefix.warn}not a git hook request\n`);
        return 1;
      }
      return hooks.handle(request, io, signal);
    },
    banner,
    async close() {
      await secure?.close();
      await http.close();
    },
  };
}
