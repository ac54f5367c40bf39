// git:* — the deploy branch (git:set, git:report) and the tokens for git over HTTP
// (git:token:add|list|remove). Settings are properties under the `git` plugin, as in Dokku.
import type { CommandSet } from '../commands/registry.js';
import type { Invocation } from '../commands/types.js';
import type { Services } from '../services.js';
import { columns, existingApp, out, requireArgs, scopeArg } from '../core/common.js';
import { log } from '../log.js';
import { AccessDenied, NotFoundError, ConflictError, UsageError } from '../errors.js';
import { GLOBAL } from '../store/index.js';
import { shown } from '../names.js';
import { parseBranchName } from './refs.js';
import { deployBranch, pointHead, revParse } from './repo.js';
import { hashToken, newToken, parseTokenName } from './tokens.js';

const SET_USAGE = 'git:set (<app>|--global) deploy-branch [<branch>]';

function requireAdmin(inv: Invocation): void {
  if (!inv.identity.admin) throw new AccessDenied();
}

async function gitSet(inv: Invocation, services: Services): Promise<void> {
  requireArgs(inv.args, 2, SET_USAGE);
  const scope = await scopeArg(services, inv.args[0]);
  const key = inv.args[1];
  if (key !== 'deploy-branch') throw new UsageError(`Invalid key '${shown(key)}'. Usage: dokku ${SET_USAGE}`);
  const value = inv.args[2] ?? '';
  if (value === '') {
    log.info1(out(inv), `Unsetting ${key}`);
    await services.store.properties.delete('git', scope, key);
  } else {
    const branch = parseBranchName(value);
    log.info1(out(inv), `Setting ${key} to ${branch}`);
    await services.store.properties.set('git', scope, key, branch);
  }
  const apps = scope === GLOBAL ? await services.store.apps.list() : [scope];
  for (const app of apps) await pointHead(services, app, await deployBranch(services, app));
}

async function gitReport(inv: Invocation, services: Services): Promise<void> {
  const first = inv.args[0];
  const apps = first && !first.startsWith('--') ? [await existingApp(services, first)] : await services.store.apps.list();
  const flag = inv.args.find((a) => a.startsWith('--'));
  for (const app of apps) {
    const branch = await deployBranch(services, app);
    const repo = services.store.git.repoDir(app);
    const sha = (await services.store.git.isRepo(app)) ? await revParse(repo, `refs/heads/${branch}`) : undefined;
    const rows: Array<[string, string, string]> = [
      ['--git-deploy-branch', 'Git deploy branch', branch],
      ['--git-global-deploy-branch', 'Git global deploy branch', (await services.store.properties.get('git', GLOBAL, 'deploy-branch')) ?? ''],
      ['--git-sha', 'Git sha', sha ?? ''],
    ];
    if (flag) {
      const row = rows.find(([f]) => f === flag);
      if (!row) throw new UsageError(`Invalid flag passed, valid flags: ${rows.map(([f]) => f).join(', ')}`);
      inv.io.stdout.write(`${row[2]}\n`);
      continue;
    }
    inv.io.stdout.write(`=====> ${app} git information\n`);
    inv.io.stdout.write(columns(rows.map(([, label, value]) => [label, value])));
  }
}

export const gitCommands: CommandSet = {
  plugin: 'git',
  summary: 'Manage app deploys via git',
  commands: [
    { name: 'git:set', help: { usage: SET_USAGE, description: 'Set or clear the branch whose pushes deploy (default main)' }, run: (inv, s) => gitSet(inv, s) },
    { name: 'git:report', help: { usage: 'git:report [<app>] [<flag>]', description: 'Display the git settings of an app' }, run: (inv, s) => gitReport(inv, s) },
    {
      name: 'git:token:add',
      help: { usage: 'git:token:add <key-name>', description: 'Create a token for git over HTTP that acts as an SSH key (shown once)' },
      async run(inv, services) {
        requireAdmin(inv);
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
      help: { usage: 'git:token:list', description: 'List the tokens for git over HTTP' },
      async run(inv, services) {
        requireAdmin(inv);
        for (const t of await services.store.git.listTokens()) inv.io.stdout.write(`${t.name} ${t.fingerprint} ${t.created}\n`);
      },
    },
    {
      name: 'git:token:remove',
      help: { usage: 'git:token:remove <key-name>', description: 'Remove the git-over-HTTP token of a key' },
      async run(inv, services) {
        requireAdmin(inv);
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
