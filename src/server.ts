// `slipway serve`: starts the SSH door (and, as they land, git HTTP and the proxy), fires the
// `install` trigger, prints a banner, and shuts down cleanly on SIGINT/SIGTERM.
import ssh2 from 'ssh2';
import type { Settings } from './settings.js';
import { boot, type Booted } from './boot.js';
import { ensureHostKey } from './store/index.js';
import { SshServer } from './ssh/server.js';
import { splitCommandLine } from './commands/argv.js';
import type { ExecRequest } from './ssh/session.js';
import type { RunContext } from './plugins/host.js';
import { SlipwayError } from './errors.js';
import { prefix } from './log.js';

export const GIT_VERBS = new Set(['git-receive-pack', 'git-upload-pack', 'git-upload-archive']);

export interface RunningServer {
  booted: Booted;
  ssh: { host: string; port: number };
  close(): Promise<void>;
}

function execHandler(booted: Booted) {
  return async (request: ExecRequest): Promise<number> => {
    let argv: string[];
    try {
      argv = request.line === null ? [] : splitCommandLine(request.line);
    } catch (error) {
      const message = error instanceof SlipwayError ? error.message : 'cannot parse command line';
      request.io.stderr.write(`${prefix.warn}${message}\n`);
      return 1;
    }
    if (argv[0] && GIT_VERBS.has(argv[0])) {
      request.io.stderr.write(`${prefix.warn}git transport is not available on this server yet\n`);
      return 1;
    }
    return booted.router.run({ argv, identity: request.identity, io: request.io, signal: request.signal });
  };
}

export async function startServer(settings: Settings, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<RunningServer> {
  const booted = boot(settings);
  const { services } = booted;
  const hostKey = await ensureHostKey(services.store.layout, () => ssh2.utils.generateKeyPairSync('ed25519'));
  const ssh = new SshServer({
    hostKey,
    policy: { user: settings.sshUser, maxAttempts: 6, keys: () => services.store.keys.list() },
    onExec: execHandler(booted),
  });
  const controller = new AbortController();
  const ctx: RunContext = {
    identity: { user: 'root', keyName: 'admin', fingerprint: '', admin: true, remote: false },
    flags: { trace: false, quiet: false, force: false },
    trace: false,
    io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, tty: false },
    signal: controller.signal,
  };
  await services.plugins.trigger('install', [], ctx);
  await services.plugins.warm(ctx);
  const address = await ssh.listen(settings.sshListen.host, settings.sshListen.port);
  log(`=====> Slipway ${services.version} listening`);
  log(`       ssh: ${settings.sshUser}@${address.address}:${address.port}`);
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
    },
  };
}

export async function serve(settings: Settings): Promise<void> {
  const running = await startServer(settings);
  const stop = () => {
    running.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
