// `slipway serve`: wires SSH, the control socket, the git layer and the platform (scheduler,
// proxy, deploys), fires the `install` trigger, prints a banner, stops cleanly on signals.
import type { Settings } from './settings.js';
import { boot, openServices, type Booted } from './boot.js';
import { ensureHostKey, type StoredKey } from './store/index.js';
import { SshServer } from './ssh/server.js';
import { checkHostKey, generateHostKey } from './ssh/host-key.js';
import { installLastResortGuard } from './os/fault-boundary.js';
import { splitCommandLine } from './commands/argv.js';
import type { ExecRequest } from './ssh/session.js';
import { requestRun } from './plugins/host.js';
import { SERVER_IDENTITY, localIdentity } from './request-context.js';
import { SlipwayError } from './errors.js';
import { prefix } from './log.js';
import { ControlServer, type ControlHandler } from './control/server.js';
import { controlSocketPath } from './control/path.js';
import { publishRecord } from './control/record.js';
import { startPlatform } from './deploy/platform.js';
import { startGit, GIT_VERBS, type GitService } from './git/index.js';
import type { PushDeployer } from './deploy/types.js';
import { startCronRunner } from './core/cron/runner.js';
import { globalTasks } from './core/cron/global-tasks.js';
import { startRenewalJob } from './core/letsencrypt/schedule.js';
import { PassThrough } from 'node:stream';
import { DashboardServer } from './dashboard/server.js';

export interface RunningServer {
  booted: Booted;
  ssh: { host: string; port: number };
  /** Stop serving; the apps stop too unless keepApps (what `slipway serve` does on a signal). */
  close(options?: { keepApps?: boolean }): Promise<void>;
}

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
      // The local operator, or a plugin calling `dokku` for the key that ran it (its SSH_USER, SSH_NAME).
      return booted.router.run({ argv, identity: localIdentity(request.user, request.keyName), io, signal });
    }
    return git.handleHook(request, io, signal);
  };
}

/**
 * The keys a login may use, re-read for every attempt so an edit of authorized_keys counts at once.
 * Its bad lines never log anyone in; the server log names each one, once per change of the file.
 */
function loginKeys(services: Booted['services'], serverLog: (line: string) => void): () => Promise<StoredKey[]> {
  let reported = '';
  return async () => {
    const view = await services.store.keys.read();
    const lines = view.problems.map((p) => `${view.file} line ${p.line} ignored: ${p.reason}`);
    const now = lines.join('\n');
    if (now !== reported) {
      reported = now;
      for (const line of lines) serverLog(line);
    }
    return view.keys;
  };
}

/** overrides.deployer replaces the platform's deployer (tests drive the git layer with a fake). */
export interface ServerOverrides { deployer?: PushDeployer }

export async function startServer(settings: Settings, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`), overrides: ServerOverrides = {}): Promise<RunningServer> {
  const serverLog = (line: string) => process.stderr.write(`slipway: ${line}\n`);
  const core = openServices(settings);
  const platform = await startPlatform(core, serverLog);
  // The dashboard is made once the router exists; dashboard:login asks it for its URL.
  let dashboard: DashboardServer | undefined;
  const booted = boot(core, platform.control, settings.dashboardListen ? { url: () => dashboard?.url() } : undefined);
  const { services } = booted;
  void platform.restore();
  let git: GitService;
  try {
    git = await startGit(services, overrides.deployer ?? platform.deployer, serverLog);
  } catch (error) {
    // A git listener that cannot start (port taken, a git HTTPS certificate that cannot be used)
    // stops the start: what already listens closes, the apps keep running for the next start.
    await platform.close({ keepApps: true });
    throw error;
  }

  const keys = loginKeys(services, serverLog);
  const hostKey = checkHostKey(await ensureHostKey(services.store.layout, () => generateHostKey()), services.store.layout.hostKeyFile());
  const ssh = new SshServer({
    hostKey,
    policy: { user: settings.sshUser, maxAttempts: settings.sshLimits.maxAuthTries, keys },
    limits: settings.sshLimits,
    onExec: execHandler(booted, git),
  });
  const control = new ControlServer(controlSocketPath(settings), controlHandler(booted, git), serverLog);

  const controller = new AbortController();
  // The server's own work: the install trigger at start and the first command index.
  const ctx = requestRun({ identity: SERVER_IDENTITY, signal: controller.signal }, { stdout: process.stdout, stderr: process.stderr });
  await services.plugins.fire('install', {}, ctx);
  await control.listen();
  // letsencrypt:cron-job --add: renewals run inside the server, as the server (output to its log).
  const renewals = startRenewalJob(services, () => {
    const output = new PassThrough();
    output.on('data', (chunk: Buffer) => { for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) serverLog(`letsencrypt: ${line}`); });
    const io = { stdin: new PassThrough().end(), stdout: output, stderr: output, tty: false };
    return booted.router.run({ argv: ['letsencrypt:auto-renew'], identity: SERVER_IDENTITY, io, signal: controller.signal });
  }, serverLog);
  // app.json cron tasks: run at their times inside the server, as `cron:run APP ID` (output to its log);
  // the tasks plugins inject with cron-entries: their command lines, output to their log file or to the server's.
  const logged = (prefix: string) => {
    const output = new PassThrough();
    output.on('data', (chunk: Buffer) => { for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) serverLog(`${prefix}: ${line}`); });
    return output;
  };
  const cron = startCronRunner(services, {
    runTask: (app, id) => {
      const output = logged(`cron ${app}`);
      const io = { stdin: new PassThrough().end(), stdout: output, stderr: output, tty: false };
      return booted.router.run({ argv: ['cron:run', app, id], identity: SERVER_IDENTITY, io, signal: controller.signal });
    },
    globalTasks: () => globalTasks(services, ctx, (line) => serverLog(`cron: ${line}`)),
    runGlobal: (task) => services.plugins.runCronEntry(task.command, task.logFile, logged(`cron --global ${task.id}`), ctx),
  }, serverLog);
  const dashboardLines: string[] = [];
  if (settings.dashboardListen) {
    dashboard = new DashboardServer(booted, settings, serverLog);
    await dashboard.listen(settings.dashboardListen.host, settings.dashboardListen.port);
    dashboardLines.push(`dashboard: ${dashboard.url()} (log in: ssh ${settings.sshUser}@HOST dashboard:login)`);
  }
  const address = await ssh.listen(settings.sshListen.host, settings.sshListen.port);
  // The command index (every plugin's help) is built after the server listens: with service
  // plugins installed it takes seconds, and a command arriving meanwhile waits on the same build.
  services.plugins.warm(ctx).catch((error: unknown) => controller.signal.aborted || serverLog(`plugin help index: ${error instanceof Error ? error.message : String(error)}`));
  log(`=====> Slipway ${services.version} listening`);
  log(`       ssh: ${settings.sshUser}@${address.address}:${address.port}`);
  for (const line of [...git.banner, ...platform.banner, ...dashboardLines]) log(`       ${line}`);
  log(`       data: ${settings.home}`);
  if ((await keys()).length === 0) {
    log(' !     No SSH keys yet. Add the first (admin) key with:');
    log('       npx slipway ssh-keys:add admin ~/.ssh/id_ed25519.pub');
  }
  return {
    booted,
    ssh: { host: address.address, port: address.port },
    async close(options = {}) {
      controller.abort();
      renewals.stop();
      cron.stop();
      await ssh.close();
      await control.close();
      await dashboard?.close();
      await git.close();
      await platform.close(options);
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
  const stop = (signal: NodeJS.Signals) => {
    // The apps run on (their own sessions, or Docker): only what the server itself serves stops.
    process.stderr.write(`slipway: ${signal}: stopping the server; apps keep running and the next start adopts them. `
      + `The built-in proxy (port ${running.booted.services.platform?.httpPort ?? settings.httpListen.port}) does not answer until the server is back.\n`);
    running.close({ keepApps: true }).finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
