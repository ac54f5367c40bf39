// `slipway serve`: wires SSH, the control socket, the git layer and the platform (scheduler,
// proxy, deploys), fires the `install` trigger, prints a banner, stops cleanly on signals.
import ssh2 from 'ssh2';
import type { Settings } from './settings.js';
import { boot, type Booted } from './boot.js';
import { ensureHostKey } from './store/index.js';
import { SshServer } from './ssh/server.js';
import { installLastResortGuard } from './os/fault-boundary.js';
import { splitCommandLine } from './commands/argv.js';
import type { ExecRequest } from './ssh/session.js';
import type { RunContext } from './plugins/host.js';
import type { Identity } from './commands/types.js';
import { SlipwayError } from './errors.js';
import { prefix } from './log.js';
import { ControlServer, type ControlHandler } from './control/server.js';
import { controlSocketPath } from './control/path.js';
import { publishRecord } from './control/record.js';
import { startPlatform } from './deploy/platform.js';
import { startGit, GIT_VERBS, type GitService } from './git/index.js';
import type { PushDeployer } from './deploy/types.js';

export interface RunningServer {
  booted: Booted;
  ssh: { host: string; port: number };
  close(): Promise<void>;
}

const operator: Identity = { user: 'root', keyName: 'admin', fingerprint: '', admin: true, remote: false };

function execHandler(booted: Booted, git: GitService) {
  return async (request: ExecRequest): Promise<number> => {
    let argv: string[];
    try {
      argv = request.line === null ? [] : splitCommandLine(request.line);
    } catch (error) {
      const message = error instanceof SlipwayError ? error.message : 'cannot parse command line';
      request.io.stderr.write(`${prefix.warn}${message}\n`);
      return 1;
    }
    if (argv[0] && GIT_VERBS.has(argv[0])) return git.handleExec(argv, request);
    return booted.router.run({ argv, identity: request.identity, io: request.io, signal: request.signal });
  };
}

function controlHandler(booted: Booted, git: GitService): ControlHandler {
  return (request, io, signal) => {
    if (request.kind === 'command') {
      const argv = [...(request.trace ? ['--trace'] : []), ...(request.quiet ? ['--quiet'] : []), ...request.argv];
      const identity = { ...operator, user: request.user || operator.user, keyName: request.keyName || operator.keyName };
      return booted.router.run({ argv, identity, io, signal });
    }
    return git.handleHook(request, io, signal);
  };
}

/** overrides.deployer replaces the platform's deployer (tests drive the git layer with a fake). */
export interface ServerOverrides { deployer?: PushDeployer }

export async function startServer(settings: Settings, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`), overrides: ServerOverrides = {}): Promise<RunningServer> {
  const serverLog = (line: string) => process.stderr.write(`slipway: ${line}\n`);
  const booted = boot(settings);
  const { services } = booted;
  const platform = await startPlatform(services, serverLog);
  services.runtime = platform.runtime;
  services.platform = platform.control;
  for (const set of platform.commandSets) booted.registry.add(set);
  const git = await startGit(services, overrides.deployer ?? platform.deployer, serverLog);

  const hostKey = await ensureHostKey(services.store.layout, () => ssh2.utils.generateKeyPairSync('ed25519'));
  const ssh = new SshServer({
    hostKey,
    policy: { user: settings.sshUser, maxAttempts: settings.sshLimits.maxAuthTries, keys: () => services.store.keys.list() },
    limits: settings.sshLimits,
    onExec: execHandler(booted, git),
  });
  const control = new ControlServer(controlSocketPath(settings), controlHandler(booted, git), serverLog);

  const controller = new AbortController();
  const ctx: RunContext = {
    identity: operator,
    flags: { trace: false, quiet: false, force: false },
    trace: false,
    io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, tty: false },
    signal: controller.signal,
  };
  await services.plugins.trigger('install', [], ctx);
  await services.plugins.warm(ctx);
  await control.listen();
  const address = await ssh.listen(settings.sshListen.host, settings.sshListen.port);
  log(`=====> Slipway ${services.version} listening`);
  log(`       ssh: ${settings.sshUser}@${address.address}:${address.port}`);
  for (const line of [...git.banner, ...platform.banner]) log(`       ${line}`);
  log(`       data: ${settings.home}`);
  if ((await services.store.keys.list()).length === 0) {
    log(' !     No SSH keys yet. Add the first (admin) key with:');
    log('       npx slipway ssh-keys:add admin ~/.ssh/id_ed25519.pub');
  }
  return {
    booted,
    ssh: { host: address.address, port: address.port },
    async close() {
      controller.abort();
      await ssh.close();
      await control.close();
      await git.close();
      await platform.close();
    },
  };
}

export async function serve(settings: Settings): Promise<void> {
  // One client's unexpected error ends that client's session, never the server (README, Security model).
  installLastResortGuard((line) => process.stderr.write(`slipway: ${line}\n`));
  const running = await startServer(settings);
  // Local CLIs started without this server's environment find it through this record.
  try {
    process.once('exit', publishRecord(settings, controlSocketPath(settings)));
  } catch (error) {
    process.stderr.write(`slipway: local CLIs will not find this server (cannot write its record: ${error instanceof Error ? error.message : String(error)})\n`);
  }
  const stop = () => {
    running.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
