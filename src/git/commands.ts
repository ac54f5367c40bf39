// git:* — the deploy branch (git:set, git:report) and the tokens for git over HTTP
// (git:token:add|list|remove). Settings are properties under the `git` plugin, as in Dokku.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CommandSet } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import type { AppName } from '../names.js';
import { existingApp, out, requireArgs } from '../core/shared/invocation.js';
import { runReport } from '../core/report/run-report.js';
import { log } from '../log.js';
import { NotFoundError, ConflictError, UsageError } from '../errors.js';
import { GLOBAL } from '../store/index.js';
import { isValidConfigKey, shown } from '../names.js';
import { DEFAULT_REV_ENV_VAR } from '../deploy/git-rev.js';
import { syncCommands } from './sync.js';
import { remoteAuthCommands } from './remote-auth.js';
import { fromImageCommand, loadImageCommand } from './from-image.js';
import { fromArchiveCommand, DEFAULT_MAX_FILES, DEFAULT_MAX_SIZE } from './from-archive.js';
import { parseBranchName } from './refs.js';
import { branchSettings, deployBranch, pointHead, revParse } from './repo.js';
import { computedDeployBranch } from './deploy-branch.js';
import { hashToken, newToken, parseTokenName } from './tokens.js';

const SET_USAGE = 'git:set (<app>|--global) <key> [<value>]';
const VALID_KEYS = ['archive-max-files', 'archive-max-size', 'deploy-branch', 'keep-git-dir', 'rev-env-var', 'source-image'];

/** Checks a value for its key (Dokku stores any text; a value Slipway would misread is refused here). */
function checkValue(key: string, value: string): string {
  switch (key) {
    case 'deploy-branch': return parseBranchName(value);
    case 'keep-git-dir':
      if (value !== 'true' && value !== 'false') throw new UsageError(`Invalid value for keep-git-dir: ${shown(value)} (true or false)`);
      return value;
    case 'rev-env-var':
      if (!isValidConfigKey(value)) throw new UsageError(`Invalid value for rev-env-var: ${shown(value)} is not a valid environment variable name`);
      return value;
    case 'archive-max-files':
    case 'archive-max-size':
      if (!/^[1-9][0-9]{0,15}$/.test(value)) throw new UsageError(`Invalid value for ${key}: ${shown(value)} (a positive whole number)`);
      return value;
    default: return value;
  }
}

async function gitSet(inv: Invocation, services: Services): Promise<void> {
  const target = inv.args[0];
  const scope = target === GLOBAL ? GLOBAL : await existingApp(services, target);
  const key = inv.args[1];
  if (!key) throw new UsageError('No key specified');
  if (!VALID_KEYS.includes(key)) {
    throw new UsageError(`Invalid key specified, valid keys include: ${VALID_KEYS.join(', ')}`);
  }
  const value = inv.args[2] ?? '';
  if (value === '') {
    log.info2(out(inv), `Unsetting ${key}`);
    // Dokku keeps an empty rev-env-var: it means "record no revision", unlike an unset one (GIT_REV).
    if (key === 'rev-env-var' && scope !== GLOBAL) await services.store.properties.set('git', scope, key, '');
    else await services.store.properties.delete('git', scope, key);
  } else {
    const checked = checkValue(key, value);
    log.info2(out(inv), `Setting ${key} to ${checked}`);
    await services.store.properties.set('git', scope, key, checked);
  }
  if (key !== 'deploy-branch') return;
  const apps = scope === GLOBAL ? await services.store.apps.list() : [scope];
  for (const app of apps) await pointHead(services, app, await deployBranch(services, app));
}

/** A git property of a scope, '' when unset. */
async function prop(services: Services, scope: AppName | typeof GLOBAL, key: string): Promise<string> {
  return (await services.store.properties.get('git', scope, key))?.trim() ?? '';
}

async function globalRows(services: Services): Promise<Array<[string, string]>> {
  const global = await prop(services, GLOBAL, 'deploy-branch');
  const maxFiles = await prop(services, GLOBAL, 'archive-max-files');
  const maxSize = await prop(services, GLOBAL, 'archive-max-size');
  const keep = await prop(services, GLOBAL, 'keep-git-dir');
  return [
    ['--git-computed-archive-max-files', maxFiles || String(DEFAULT_MAX_FILES)],
    ['--git-computed-archive-max-size', maxSize || String(DEFAULT_MAX_SIZE)],
    ['--git-computed-deploy-branch', computedDeployBranch({ app: '', global })],
    ['--git-computed-keep-git-dir', keep || 'false'],
    ['--git-global-archive-max-files', maxFiles],
    ['--git-global-archive-max-size', maxSize],
    ['--git-global-deploy-branch', global],
    ['--git-global-keep-git-dir', keep],
  ];
}

function gitReport(inv: Invocation, services: Services): Promise<void> {
  return runReport(inv, services, {
    type: 'git',
    async app(app) {
      const settings = await branchSettings(services, app);
      const branch = computedDeployBranch(settings);
      const repo = services.store.git.repoDir(app);
      const isRepo = await services.store.git.isRepo(app);
      const sha = isRepo ? await revParse(repo, `refs/heads/${branch}`) : undefined;
      const updated = isRepo ? await fs.stat(path.join(repo, 'refs', 'heads', branch)).catch(() => undefined) : undefined;
      const keep = await prop(services, app, 'keep-git-dir');
      const revVar = await services.store.properties.get('git', app, 'rev-env-var');
      const global = Object.fromEntries(await globalRows(services));
      return [
        ['--git-computed-archive-max-files', global['--git-computed-archive-max-files']],
        ['--git-computed-archive-max-size', global['--git-computed-archive-max-size']],
        ['--git-computed-deploy-branch', branch],
        ['--git-computed-keep-git-dir', keep || global['--git-computed-keep-git-dir']],
        ['--git-deploy-branch', settings.app],
        ['--git-global-archive-max-files', global['--git-global-archive-max-files']],
        ['--git-global-archive-max-size', global['--git-global-archive-max-size']],
        ['--git-global-deploy-branch', settings.global],
        ['--git-global-keep-git-dir', global['--git-global-keep-git-dir']],
        ['--git-keep-git-dir', keep],
        ['--git-last-updated-at', updated ? String(Math.floor(updated.mtimeMs / 1000)) : ''],
        ['--git-rev-env-var', revVar === undefined ? DEFAULT_REV_ENV_VAR : revVar.trim()],
        ['--git-sha', sha ?? ''],
        ['--git-source-image', await prop(services, app, 'source-image')],
      ];
    },
    global: () => globalRows(services),
  });
}

export const gitCommands: CommandSet = {
  plugin: 'git',
  summary: 'Manage app deploys via git',
  access: { who: 'app' },
  commands: [
    { name: 'git:set', help: { usage: SET_USAGE, description: 'Set or clear a git property for an app (deploy-branch, keep-git-dir, rev-env-var, …)' }, run: (inv, s) => gitSet(inv, s) },
    ...syncCommands,
    ...remoteAuthCommands,
    fromArchiveCommand,
    fromImageCommand,
    loadImageCommand,
    { name: 'git:report', help: { usage: 'git:report [<app>|--global] [<flag>]', description: 'Display the git settings of an app' }, run: (inv, s) => gitReport(inv, s) },
    {
      // Dokku 0.34.0 removed it (its subcommand file stayed, calling a function that is gone): there
      // is no clone folder here either, and a deploy lock is released with its process. Scripts that
      // still call it get a warning and success instead of a failure.
      name: 'git:unlock',
      options: ['--force'],
      async run(inv, services) {
        requireArgs(inv.options.positional, 1, 'git:unlock <app> [--force]');
        await existingApp(services, inv.options.positional[0]);
        log.warn(out(inv), 'git:unlock was removed in Dokku 0.34.0: there is no clone folder to remove, and a deploy lock ends with its deploy');
      },
    },
    {
      name: 'git:token:add',
      access: { who: 'admin' },
      help: { usage: 'git:token:add <key-name>', description: 'Create a token for git over HTTP that acts as an SSH key (shown once)' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'git:token:add <key-name>');
        const name = parseTokenName(inv.args[0]);
        const key = (await services.store.keys.list()).find((k) => k.name === name);
        if (!key) throw new NotFoundError('E_KEY_NOT_FOUND', `No public key named ${name}: a token acts as an SSH key (see ssh-keys:list)`);
        const token = newToken();
        await services.store.git.updateTokens((tokens) => {
          if (tokens.some((t) => t.name === name)) throw new ConflictError('E_DUPLICATE_TOKEN', `${name} already has a token (git:token:remove ${name} first)`);
          return [...tokens, { name, fingerprint: key.fingerprint, sha256: hashToken(token), created: new Date().toISOString() }];
        });
        log.info1(out(inv), `Token for ${name} created; it is shown only once (user: ${name}, password: the token)`);
        inv.io.stdout.write(`${token}\n`);
      },
    },
    {
      name: 'git:token:list',
      access: { who: 'admin' },
      help: { usage: 'git:token:list', description: 'List the tokens for git over HTTP' },
      async run(inv, services) {
        for (const t of await services.store.git.listTokens()) inv.io.stdout.write(`${t.name} ${t.fingerprint} ${t.created}\n`);
      },
    },
    {
      name: 'git:token:remove',
      access: { who: 'admin' },
      help: { usage: 'git:token:remove <key-name>', description: 'Remove the git-over-HTTP token of a key' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'git:token:remove <key-name>');
        const name = parseTokenName(inv.args[0]);
        await services.store.git.updateTokens((tokens) => {
          if (!tokens.some((t) => t.name === name)) throw new NotFoundError('E_TOKEN_NOT_FOUND', `${name} has no token`);
          return tokens.filter((t) => t.name !== name);
        });
        log.info1(out(inv), `Token ${name} removed`);
      },
    },
  ],
};
