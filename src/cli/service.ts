// `slipway install-service [--print] [--user NAME] [--path FILE]`: the systemd unit that keeps this
// install's server running (Restart=always) without killing its apps on a stop (KillMode=process),
// written to /etc/systemd/system/slipway.service, or printed. contrib/slipway.service is the same
// unit rendered for a typical install.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../settings.js';
import { SlipwayError, UsageError } from '../errors.js';

export const DEFAULT_UNIT_PATH = '/etc/systemd/system/slipway.service';

export interface UnitValues {
  user: string;
  workingDirectory: string;
  /** The node binary and the CLI script: ExecStart runs `NODE CLI serve`. */
  node: string;
  cli: string;
  /** Environment= lines, in this order. */
  env: Array<[string, string]>;
}

/** systemd's own quoting: specifiers (%) and variables ($) are doubled, a quoted word escapes \ and ". */
function quote(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped) ? escaped : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function renderUnit(values: UnitValues): string {
  return [
    '# Slipway: keeps `slipway serve` running. Written by `slipway install-service`.',
    '# KillMode=process: a stop or restart signals only the server; apps keep running and the',
    '# next server adopts them (README, "Running in production").',
    '[Unit]',
    'Description=Slipway git-push PaaS (Dokku-compatible)',
    'After=network-online.target docker.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${values.user}`,
    `WorkingDirectory=${quote(values.workingDirectory)}`,
    ...values.env.map(([key, value]) => `Environment=${quote(`${key}=${value}`)}`),
    `ExecStart=${quote(values.node)} ${quote(values.cli)} serve`,
    'Restart=always',
    'RestartSec=2',
    'KillMode=process',
    'KillSignal=SIGTERM',
    'TimeoutStopSec=30',
    'LimitNOFILE=65536',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** contrib/slipway.service: the unit for an install in /opt/slipway run by user slipway (test/cli/service.test.ts keeps them equal). */
export const CONTRIB_VALUES: UnitValues = {
  user: 'slipway',
  workingDirectory: '/opt/slipway',
  node: '/usr/bin/node',
  cli: '/opt/slipway/dist/src/cli.js',
  env: [
    ['SLIPWAY_HOME', '/var/lib/slipway'],
    ['SLIPWAY_KEYS_DIR', '/var/lib/slipway/keys'],
    ['SLIPWAY_SSH_LISTEN', '0.0.0.0:2222'],
    ['SLIPWAY_HTTP_LISTEN', '0.0.0.0:8080'],
    ['SLIPWAY_GIT_HTTP_LISTEN', '0.0.0.0:8081'],
  ],
};

/** Variables the server reads that the unit keeps (SLIPWAY_HOME and SLIPWAY_KEYS_DIR always, absolute). */
function serviceEnv(settings: Settings, env: NodeJS.ProcessEnv): Array<[string, string]> {
  const pairs: Array<[string, string]> = [['SLIPWAY_HOME', settings.home], ['SLIPWAY_KEYS_DIR', settings.keysDir]];
  for (const key of Object.keys(env).sort()) {
    if (key === 'SLIPWAY_HOME' || key === 'SLIPWAY_KEYS_DIR') continue;
    if ((key.startsWith('SLIPWAY_') || key === 'DOCKER_HOST') && env[key] !== undefined) pairs.push([key, env[key]!]);
  }
  return pairs;
}

/** The unit for this install: this node, this copy's CLI, this folder, these settings. */
export function unitFor(settings: Settings, options: { user?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  return renderUnit({
    user: options.user ?? os.userInfo().username,
    workingDirectory: options.cwd ?? process.cwd(),
    node: process.execPath,
    cli: path.join(settings.packageRoot, 'dist', 'src', 'cli.js'),
    env: serviceEnv(settings, options.env ?? process.env),
  });
}

interface Parsed { print: boolean; user?: string; path: string }

function parse(argv: string[]): Parsed {
  const parsed: Parsed = { print: false, path: DEFAULT_UNIT_PATH };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--print') parsed.print = true;
    else if ((arg === '--user' || arg === '--path') && argv[i + 1] !== undefined && !argv[i + 1].startsWith('-')) {
      if (arg === '--user') parsed.user = argv[++i];
      else parsed.path = path.resolve(argv[++i]);
    } else {
      throw new UsageError('usage: slipway install-service [--print] [--user NAME] [--path FILE]');
    }
  }
  if (parsed.user !== undefined && !/^[a-z_][a-z0-9_-]*[$]?$/i.test(parsed.user)) throw new UsageError(`Invalid user name ${parsed.user}`);
  return parsed;
}

export function installService(settings: Settings, argv: string[], out: NodeJS.WritableStream = process.stdout): number {
  const options = parse(argv);
  const unit = unitFor(settings, { user: options.user });
  if (options.print) {
    out.write(unit);
    return 0;
  }
  try {
    fs.mkdirSync(path.dirname(options.path), { recursive: true });
    fs.writeFileSync(options.path, unit, { mode: 0o644 });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied (run it as root, or use --print)' : (error as Error).message;
    throw new SlipwayError('E_INSTALL_SERVICE', `Cannot write ${options.path}: ${reason}`, 1, { cause: error });
  }
  out.write(`-----> Wrote ${options.path}\n`);
  out.write('       Start it now and at every boot with:\n');
  out.write(`       systemctl daemon-reload && systemctl enable --now ${path.basename(options.path)}\n`);
  return 0;
}
