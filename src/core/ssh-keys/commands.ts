// ssh-keys:* — manage the keys allowed to log in ($DOKKU_ROOT/.ssh/authorized_keys, sshcommand's
// format). One key per call; a bad, duplicate or multi-key input is refused and the file is left
// exactly as it was. Lines of the file that are not one trustworthy key are named on stderr.
import fs from 'node:fs/promises';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import { parseKeyName, parsePublicKey } from '../../ssh/public-key.js';
import { ConflictError, NotFoundError, SlipwayError, UsageError, AccessDenied } from '../../errors.js';
import { log } from '../../log.js';
import { out, readStdin } from '../shared/invocation.js';
import { shown } from '../../names.js';
import type { KeyFileView } from '../../store/index.js';
import type { Out } from '../../log.js';

/** One line per bad line of the file: it is ignored (no login), and the operator should fix it. */
export function reportBadLines(view: KeyFileView, sink: Out): void {
  for (const p of view.problems) log.warn(sink, `${view.file} line ${p.line} ignored: ${p.reason}`);
}

const MAX_KEY_INPUT = 16 * 1024;

async function keyText(inv: Invocation, source: string | undefined): Promise<string> {
  if (source === undefined || source === '-') {
    return (await readStdin(inv, MAX_KEY_INPUT, () => new SlipwayError('E_INVALID_KEY', 'Key input is too large', 1))).toString('utf8');
  }
  // Reading a path means reading the server's disk: only the local operator may do that.
  if (inv.identity.remote) throw new AccessDenied('Over SSH, pipe the key on stdin: ssh-keys:add <name> < key.pub');
  try {
    const stat = await fs.stat(source);
    if (stat.size > MAX_KEY_INPUT) throw new SlipwayError('E_INVALID_KEY', 'Key file is too large', 1);
    return await fs.readFile(source, 'utf8');
  } catch (error) {
    if (error instanceof SlipwayError) throw error;
    throw new SlipwayError('E_KEY_FILE', `Cannot read key file ${source}`, 1);
  }
}

export const sshKeysCommands: CommandSet = {
  plugin: 'ssh-keys',
  summary: 'Manage public keys allowed to connect',
  access: { who: 'admin' },
  commands: [
    {
      name: 'ssh-keys:add',
      options: ['--admin'],
      help: { usage: 'ssh-keys:add [--admin] <name> [<key-file>|-]', description: 'Add a public key (one per call; stdin when no file)' },
      async run(inv, services) {
        const { set, positional } = inv.options;
        const name = parseKeyName(positional[0]);
        if (positional.length > 2) throw new UsageError('Too many arguments: ssh-keys:add [--admin] <name> [<key-file>|-]');
        const key = parsePublicKey(await keyText(inv, positional[1]));
        const view = await services.store.keys.update((keys) => {
          // sshcommand's words, which Dokku passes on.
          if (keys.some((k) => k.name === name)) throw new ConflictError('E_DUPLICATE_KEY', 'Duplicate ssh key name');
          if (keys.some((k) => k.fingerprint === key.fingerprint)) throw new ConflictError('E_DUPLICATE_KEY', 'Duplicate ssh public key specified');
          // The first key is the admin's (nobody could add one otherwise); later ones only with --admin.
          return [...keys, { name, ...key, admin: set.has('--admin') || keys.length === 0, options: '' }];
        });
        reportBadLines(view, out(inv));
        log.info1(out(inv), `Added key ${name} (${key.fingerprint})`);
      },
    },
    {
      name: 'ssh-keys:remove',
      options: ['--fingerprint='],
      help: { usage: 'ssh-keys:remove [--fingerprint <fingerprint>|<name>]', description: 'Remove a public key by name or fingerprint' },
      async run(inv, services) {
        const { values, positional } = inv.options;
        const target = values.get('--fingerprint') ?? positional[0];
        if (!target) {
          throw new UsageError(values.has('--fingerprint')
            ? 'A fingerprint is required to remove a key, ie: dokku ssh-keys:remove --fingerprint FINGERPRINT'
            : 'A name is required to remove a key, ie: dokku ssh-keys:remove <name>');
        }
        const byFingerprint = values.has('--fingerprint') || target.startsWith('SHA256:');
        let removed = false;
        await services.store.keys.update((keys) => {
          const next = keys.filter((k) => (byFingerprint ? k.fingerprint !== target : k.name !== target));
          removed = next.length < keys.length;
          return next;
        });
        // Dokku exits 0 when nothing matched (scripts remove keys idempotently); we also say so.
        if (!removed) log.warn(out(inv), `No public key found for ${byFingerprint ? 'fingerprint' : 'name'} ${shown(target, 80)}`);
        else log.info1(out(inv), `Removed key ${target}`);
      },
    },
    {
      name: 'ssh-keys:list',
      options: ['--format='],
      help: { usage: 'ssh-keys:list [--format text|json] [<name>]', description: 'List public keys (fingerprint and name)' },
      async run(inv, services) {
        const { values, positional } = inv.options;
        const format = values.get('--format') ?? 'text';
        if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
        const view = await services.store.keys.read();
        reportBadLines(view, out(inv));
        const keys = view.keys.filter((k) => !positional[0] || k.name === positional[0]);
        if (format === 'json') {
          // sshcommand's JSON fields, plus whether the key is an admin's.
          inv.io.stdout.write(JSON.stringify(keys.map((k) => ({
            fingerprint: k.fingerprint, name: k.name, SSHCOMMAND_ALLOWED_KEYS: k.options, 'public-key': `${k.type} ${k.data}${k.comment ? ` ${k.comment}` : ''}`, admin: k.admin,
          }))) + '\n');
          return;
        }
        if (keys.length === 0) throw new NotFoundError('E_KEY_NOT_FOUND', 'No public keys found.');
        // sshcommand's text line; a non-admin key's marker shows among the allowed-keys options.
        for (const k of keys) inv.io.stdout.write(`${k.fingerprint} NAME="${k.name}" SSHCOMMAND_ALLOWED_KEYS="${k.options}"\n`);
      },
    },
  ],
};
