// git:auth, git:auth-status, git:allow-host, git:public-key, git:generate-deploy-key — how the
// server's own git reaches other git servers (git:sync): netrc for HTTPS, a deploy key and
// known_hosts for SSH, all in the dokku user's home as on Dokku. remoteGitEnv hands them to git.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CoreCommand } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import { isNetrcWord, type Layout } from '../store/index.js';
import { out, readStdin } from '../core/shared/invocation.js';
import { log } from '../log.js';
import { SlipwayError, UsageError } from '../errors.js';
import { shown } from '../names.js';
import { runChild } from '../os/spawn.js';
import { baseGitEnv } from './spawn.js';

const ADMIN = { who: 'admin', app: 'none' } as const;
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*$/;
const IPV6 = /^[0-9A-Fa-f:]{2,39}$/;

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The environment git needs to reach a remote as the server: HOME is the dokku user's home, so
 * git's HTTP client reads $DOKKU_ROOT/.netrc; ssh uses the deploy key and only known_hosts.
 */
export function remoteGitEnv(layout: Layout): Record<string, string> {
  const ssh = ['ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${shellQuote(layout.knownHostsFile())}`,
    '-o', 'IdentitiesOnly=yes', '-i', shellQuote(layout.deployKeyFile()), '-i', shellQuote(layout.rsaDeployKeyFile())];
  return { HOME: layout.settings.dokkuRoot, GIT_SSH_COMMAND: ssh.join(' ') };
}

function parseHost(value: string | undefined): string {
  if (!value) throw new UsageError('Please supply a git host');
  if (!HOSTNAME.test(value) && !IPV6.test(value)) throw new UsageError(`Invalid git host ${shown(value)}: a host name or IP address`);
  return value;
}

/** HOST or HOST:PORT (ssh-keyscan's -p), IPv6 as [ADDR]:PORT. */
function parseScanTarget(value: string | undefined): { host: string; port?: string } {
  if (!value) throw new UsageError('Please supply a git host');
  const match = /^(?:\[([0-9A-Fa-f:]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const host = parseHost(match ? (match[1] ?? match[2]) : value);
  return match ? { host, port: match[3] } : { host };
}

async function credentials(inv: Invocation, login: string | undefined, password: string | undefined): Promise<{ login: string; password: string } | undefined> {
  if (login === undefined) return undefined;
  // Dokku reads the password from stdin when it is not an argument (it stays out of ps and logs).
  const given = password ?? (await readStdin(inv, 4096, () => new UsageError('Password input is too large'))).toString('utf8').split('\n')[0].replace(/\r$/, '');
  if (!given) throw new UsageError('Missing password for netrc auth entry');
  if (!isNetrcWord(login) || !isNetrcWord(given)) throw new UsageError('A netrc login or password may not hold spaces, quotes or control characters');
  return { login, password: given };
}

function tooMany(inv: Invocation, max: number, usage: string): void {
  const extra = inv.options.positional[max];
  if (extra !== undefined) throw new UsageError(`Unexpected argument '${shown(extra)}'. Usage: dokku ${usage}`);
}

async function auth(inv: Invocation, services: Services): Promise<void> {
  tooMany(inv, 3, 'git:auth <host> [<username> <password>]');
  const [hostArg, login, password] = inv.options.positional;
  const host = parseHost(hostArg);
  const creds = await credentials(inv, login, password);
  log.info1(out(inv), `${creds ? 'Setting' : 'Removing'} netrc auth entry for host ${host}`);
  await services.store.gitAuth.setNetrc(host, creds);
}

async function authStatus(inv: Invocation, services: Services): Promise<number> {
  tooMany(inv, 3, 'git:auth-status <host> [<username> <password>]');
  const [hostArg, login, password] = inv.options.positional;
  const host = parseHost(hostArg);
  const creds = await credentials(inv, login, password);
  const entry = (await services.store.gitAuth.netrc()).find((e) => e.host === host);
  const matches = creds ? entry?.login === creds.login && entry.password === creds.password : entry === undefined;
  return matches ? 0 : 1;
}

async function allowHost(inv: Invocation, services: Services): Promise<void> {
  tooMany(inv, 1, 'git:allow-host <host>');
  const target = parseScanTarget(inv.options.positional[0]);
  // Every key type the host offers (Dokku asks for rsa only, which a host with only ed25519 lacks).
  const args = ['-T', '10', ...(target.port ? ['-p', target.port] : []), '--', target.host];
  const result = await runChild({ file: 'ssh-keyscan', args, env: baseGitEnv(), stdout: 'capture', stderr: 'capture', signal: inv.signal, maxCaptureBytes: 256 * 1024 });
  const lines = result.stdout.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) {
    throw new SlipwayError('E_KEYSCAN', `Could not read any host key from ${shown(inv.options.positional[0])} (ssh-keyscan exited ${result.status})`, 1);
  }
  await services.store.gitAuth.allowHostKeys(lines);
  log.info1(out(inv), `${inv.options.positional[0]} added to known hosts`);
}

/** Dokku's four lines when there is no deploy key (fn-git-auth-error): three warnings, then the failure. */
function noDeployKey(inv: Invocation, user: string): SlipwayError {
  log.warn(out(inv), `There is no deploy key associated with the ${user} user.\nGenerate an ssh key with the following command:\n  dokku git:generate-deploy-key`);
  return new SlipwayError('E_NO_DEPLOY_KEY', 'As an alternative, configure the netrc authentication via the git:auth command', 1);
}

async function generateDeployKey(inv: Invocation, services: Services): Promise<void> {
  tooMany(inv, 0, 'git:generate-deploy-key');
  const store = services.store.gitAuth;
  if (await store.publicDeployKey()) {
    if (!inv.flags.quiet) inv.io.stdout.write(' !     A deploy key already exists for this host\n');
    return;
  }
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-deploy-key-'));
  try {
    const file = path.join(scratch, 'id_ed25519');
    const comment = `${services.settings.sshUser}@${os.hostname()}`;
    const result = await runChild({ file: 'ssh-keygen', args: ['-t', 'ed25519', '-C', comment, '-N', '', '-f', file], env: baseGitEnv(), stdout: 'capture', stderr: 'capture', signal: inv.signal });
    if (result.status !== 0) throw new SlipwayError('E_KEYGEN', `ssh-keygen failed (exit ${result.status}): ${result.stderr.trim().split('\n')[0] ?? ''}`, 1);
    const installed = await store.installDeployKey(await fs.readFile(file, 'utf8'), await fs.readFile(`${file}.pub`, 'utf8'));
    if (!installed) {
      if (!inv.flags.quiet) inv.io.stdout.write(' !     A deploy key already exists for this host\n');
      return;
    }
    // ssh-keygen's own report, as Dokku shows it, naming where the key now is.
    inv.io.stdout.write(result.stdout.split(file).join(store.deployKeyFile));
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}

export const remoteAuthCommands: CoreCommand[] = [
  {
    name: 'git:auth',
    access: ADMIN,
    help: { usage: 'git:auth <host> [<username> <password>]', description: 'Configures netrc authentication for a given git server (no username: removes it)' },
    run: (inv, services) => auth(inv, services),
  },
  {
    name: 'git:auth-status',
    access: ADMIN,
    help: { usage: 'git:auth-status <host> [<username> <password>]', description: 'Exits 0 when the netrc entry for the host matches (no username: when there is none)' },
    run: (inv, services) => authStatus(inv, services),
  },
  {
    name: 'git:allow-host',
    access: ADMIN,
    help: { usage: 'git:allow-host <host>[:<port>]', description: 'Adds a host\'s SSH keys to known_hosts (ssh-keyscan)' },
    run: (inv, services) => allowHost(inv, services),
  },
  {
    name: 'git:public-key',
    access: ADMIN,
    help: { usage: 'git:public-key', description: 'Outputs the server\'s public deploy key' },
    async run(inv, services) {
      tooMany(inv, 0, 'git:public-key');
      const key = await services.store.gitAuth.publicDeployKey();
      if (!key) throw noDeployKey(inv, services.settings.sshUser);
      inv.io.stdout.write(key.endsWith('\n') ? key : `${key}\n`);
    },
  },
  {
    name: 'git:generate-deploy-key',
    access: ADMIN,
    help: { usage: 'git:generate-deploy-key', description: 'Generates an ed25519 deploy key for the server\'s git over SSH' },
    run: (inv, services) => generateDeployKey(inv, services),
  },
];
