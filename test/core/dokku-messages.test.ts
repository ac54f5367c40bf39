// The error line and exit code of core commands for common mistakes, beside Dokku's for the same
// mistake (read from Dokku's plugins and sshcommand). Each row runs the real command over real ssh.
// `dokku` is what Dokku prints and exits; `ours` is set only where Slipway deliberately differs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { TestServer } from '../helpers/server.js';

interface Outcome {
  /** The first stderr line, or '' for none. */
  line: string;
  code: number;
}

interface Row {
  mistake: string;
  args: string[];
  /** Stdin: a string, or 'ADMIN_KEY' for the admin's public key line. */
  input?: string;
  dokku: Outcome;
  /** Only where Slipway deliberately differs from Dokku; why is said beside it. */
  ours?: Outcome & { why: string };
}

const W = ' !     ';
const APP_REQUIRED = { line: `${W}Please specify an app to run the command on`, code: 1 };
const GHOST = { line: `${W}App ghost does not exist`, code: 20 };
const BAD_NAME = { line: `${W}App name must begin with lowercase alphanumeric character, and may only contain lowercase alphanumerics, dots, and hyphens`, code: 1 };

const ROWS: Row[] = [
  { mistake: 'config:set without an app', args: ['config:set'], dokku: APP_REQUIRED },
  { mistake: 'apps:create without an app', args: ['apps:create'], dokku: APP_REQUIRED },
  { mistake: 'ps:scale without an app', args: ['ps:scale'], dokku: APP_REQUIRED },
  { mistake: 'config:set on an app that does not exist', args: ['config:set', 'ghost', 'A=1'], dokku: GHOST },
  { mistake: 'apps:exists of an app that does not exist', args: ['apps:exists', 'ghost'], dokku: GHOST },
  { mistake: 'ps:scale of an app that does not exist', args: ['ps:scale', 'ghost', 'web=1'], dokku: GHOST },
  { mistake: 'domains:add to an app that does not exist', args: ['domains:add', 'ghost', 'a.example.com'], dokku: GHOST },
  { mistake: 'config:show of an app that does not exist', args: ['config:show', 'ghost'], dokku: GHOST },
  { mistake: 'logs of an app that does not exist', args: ['logs', 'ghost'], dokku: GHOST },
  { mistake: 'logs of an app never deployed', args: ['logs', 'myapp'], dokku: { line: `${W}App myapp has not been deployed`, code: 1 } },
  {
    mistake: 'logs with a -n that is not a number', args: ['logs', 'myapp', '-n', 'ten'],
    dokku: { line: 'invalid argument "ten" for "-n, --num" flag: strconv.ParseInt: parsing "ten": invalid syntax', code: 2 },
    ours: { line: `${W}invalid argument "ten" for "-n, --num" flag: strconv.ParseInt: parsing "ten": invalid syntax`, code: 2, why: 'one error line with the usual prefix (pflag prints its own, then the usage)' },
  },
  { mistake: 'logs:failed without an app', args: ['logs:failed'], dokku: APP_REQUIRED },
  { mistake: 'cron:list without an app', args: ['cron:list'], dokku: APP_REQUIRED },
  { mistake: 'logs:failed of an app that does not exist', args: ['logs:failed', 'ghost'], dokku: GHOST },
  { mistake: 'apps:destroy of an app that does not exist', args: ['apps:destroy', 'ghost', '--force'], dokku: GHOST },
  { mistake: 'ps:stop without an app', args: ['ps:stop'], dokku: APP_REQUIRED },
  { mistake: 'config:set --global with no pairs', args: ['config:set', '--global'], dokku: { line: `${W}At least one env pair must be given`, code: 1 } },
  { mistake: 'config:export in an unknown format', args: ['config:export', '--format', 'nope', 'myapp'], dokku: { line: `${W}Unknown export format: nope`, code: 1 } },
  { mistake: 'storage:unmount of a mount that is not there', args: ['storage:unmount', 'myapp', '/a:/b'], dokku: { line: `${W}Mount path does not exist.`, code: 1 } },
  { mistake: 'storage:create without a name', args: ['storage:create'], dokku: { line: `${W}storage entry name is required`, code: 1 } },
  { mistake: 'storage:info of an entry that does not exist', args: ['storage:info', 'ghost'], dokku: { line: `${W}storage entry "ghost" does not exist`, code: 1 } },
  { mistake: 'storage:destroy of an entry that does not exist', args: ['storage:destroy', 'ghost', '--force'], dokku: { line: `${W}storage entry "ghost" does not exist`, code: 1 } },
  { mistake: 'storage:set without a property', args: ['storage:set', 'ghost'], dokku: { line: `${W}No property specified`, code: 1 } },
  {
    mistake: 'storage:mount of an entry that does not exist', args: ['storage:mount', 'myapp', 'ghost', '--container-dir', '/data'],
    dokku: { line: `${W}storage entry "ghost" does not exist; create it first with \`dokku storage:create\``, code: 1 },
  },
  { mistake: 'storage:unmount of an entry that is not mounted', args: ['storage:unmount', 'myapp', 'ghost'], dokku: { line: `${W}storage entry "ghost" is not mounted on app "myapp"`, code: 1 } },
  {
    mistake: 'storage:create with a name that is not a DNS label', args: ['storage:create', 'Bad_Name'],
    dokku: { line: `${W}storage entry name "Bad_Name" must be a DNS-1123 label (lowercase letters, digits, and dashes; cannot start or end with a dash)`, code: 1 },
    ours: { line: `${W}storage entry name "Bad_Name" must be a DNS-1123 label (lowercase letters, digits and dashes; no dash first or last)`, code: 1, why: 'the same rule and exit code in our own words' },
  },
  { mistake: 'an invalid app name', args: ['config:set', 'Bad_App', 'A=1'], dokku: BAD_NAME },
  { mistake: 'apps:create with an invalid name', args: ['apps:create', 'Bad_App'], dokku: BAD_NAME },
  { mistake: 'apps:create of an existing app', args: ['apps:create', 'myapp'], dokku: { line: `${W}Name is already taken`, code: 1 } },
  { mistake: 'apps:rename to its own name', args: ['apps:rename', 'myapp', 'myapp'], dokku: { line: `${W}Name is already taken`, code: 1 } },
  { mistake: 'apps:rename without a new name', args: ['apps:rename', 'myapp'], dokku: { line: `${W}Please specify an new app name`, code: 1 } },
  { mistake: 'config:set with no pairs', args: ['config:set', 'myapp'], dokku: { line: `${W}At least one env pair must be given`, code: 1 } },
  { mistake: 'config:set with a pair without =', args: ['config:set', 'myapp', 'NOEQ'], dokku: { line: `${W}Invalid env pair: NOEQ`, code: 1 } },
  { mistake: 'config:set with an invalid key', args: ['config:set', 'myapp', '1X=2'], dokku: { line: `${W}Invalid key name: '1X'`, code: 1 } },
  { mistake: 'config:get of a key that is not set', args: ['config:get', 'myapp', 'NOPE'], dokku: { line: '', code: 1 } },
  { mistake: 'config:get without a key', args: ['config:get', 'myapp'], dokku: { line: `${W}Expected: key`, code: 1 } },
  { mistake: 'config:unset with no keys', args: ['config:unset', 'myapp'], dokku: { line: `${W}At least one key must be given`, code: 1 } },
  { mistake: 'config:unset of an invalid key', args: ['config:unset', 'myapp', '1X'], dokku: { line: `${W}Invalid key name: '1X'`, code: 1 } },
  {
    mistake: 'apps:set --global with an app-only property',
    args: ['apps:set', '--global', 'deploy-source', 'x'],
    dokku: { line: `${W}Property cannot be specified globally`, code: 1 },
  },
  {
    mistake: 'apps:set of a global-only property on an app',
    args: ['apps:set', 'myapp', 'disable-autocreation', 'true'],
    dokku: { line: `${W}Property can only be specified globally`, code: 1 },
  },
  { mistake: 'apps:set without a property', args: ['apps:set', 'myapp'], dokku: { line: `${W}No property specified`, code: 1 } },
  {
    mistake: 'apps:set of an unknown property',
    args: ['apps:set', 'myapp', 'nope', 'x'],
    dokku: { line: `${W}Invalid property specified, valid properties include: deploy-source, deploy-source-metadata, disable-autocreation`, code: 1 },
  },
  {
    mistake: 'domains:add with no domains',
    args: ['domains:add', 'myapp'],
    // Dokku's usage part prints its shifted $1 $2 ("Usage: dokku myapp  <domain> …").
    dokku: { line: `${W}Please specify a domain name. Usage: dokku myapp  <domain> [<domain> ...]`, code: 1 },
    ours: {
      line: `${W}Please specify a domain name. Usage: dokku domains:add <app> <domain> [<domain> ...]`,
      code: 1,
      why: 'the same sentence, with the usage Dokku meant to print instead of the app name in the command\'s place',
    },
  },
  { mistake: 'domains:add with an invalid domain', args: ['domains:add', 'myapp', 'bad_domain!'], dokku: { line: `${W}bad_domain! is invalid. exiting...`, code: 1 } },
  { mistake: 'domains:add with a leading-dot domain (not a mistake)', args: ['domains:add', 'myapp', '.example.com'], dokku: { line: '', code: 0 } },
  {
    mistake: 'ssh-keys:add with a name already used',
    args: ['ssh-keys:add', 'admin'],
    input: 'ADMIN_KEY',
    // sshcommand prints its line bare, then Dokku adds "sshcommand returned an error: 1".
    dokku: { line: 'Duplicate ssh key name', code: 1 },
    ours: { line: `${W}Duplicate ssh key name`, code: 1, why: 'one error line with the usual prefix; there is no sshcommand to name' },
  },
  {
    mistake: 'ssh-keys:add of a key already added',
    args: ['ssh-keys:add', 'other'],
    input: 'ADMIN_KEY',
    dokku: { line: 'Duplicate ssh public key specified', code: 1 },
    ours: { line: `${W}Duplicate ssh public key specified`, code: 1, why: 'one error line with the usual prefix; there is no sshcommand to name' },
  },
  {
    mistake: 'ssh-keys:add of something that is not a key',
    args: ['ssh-keys:add', 'bad'],
    input: 'not a key\n',
    dokku: { line: `${W}Key specified in is not a valid ssh public key`, code: 1 },
  },
  {
    mistake: 'ssh-keys:remove of a name that has no key',
    args: ['ssh-keys:remove', 'nobody'],
    dokku: { line: '', code: 0 },
    ours: { line: `${W}No public key found for name nobody`, code: 0, why: 'same exit code; a warning shows a mistyped name that Dokku passes over in silence' },
  },
  {
    mistake: 'ssh-keys:remove without a name',
    args: ['ssh-keys:remove'],
    dokku: { line: `${W}A name is required to remove a key, ie: dokku ssh-keys:remove <name>`, code: 1 },
  },
  { mistake: 'ps:scale without a count', args: ['ps:scale', 'myapp', 'web'], dokku: { line: `${W}Missing count for process type web`, code: 1 } },
  { mistake: 'ps:scale with a count that is not a number', args: ['ps:scale', 'myapp', 'web=x'], dokku: { line: `${W}Invalid count for process type web`, code: 1 } },
  { mistake: 'an unknown command', args: ['nosuch'], dokku: { line: `${W}\`nosuch\` is not a dokku command.`, code: 1 } },
  { mistake: 'an unknown command with arguments', args: ['nosuch', 'myapp'], dokku: { line: `${W}\`nosuch myapp\` is not a dokku command.`, code: 1 } },
  {
    mistake: 'storage:mount with a relative host path',
    args: ['storage:mount', 'myapp', 'rel/path:/data'],
    dokku: { line: `${W}Volume name must be two characters or more. Volume name must not contain invalid characters. Storage path must be two valid paths divided by colon.`, code: 1 },
  },
  {
    mistake: 'storage:mount with no container path',
    args: ['storage:mount', 'myapp', '/srv/data'],
    dokku: { line: `${W}Storage path must be two valid paths divided by colon.`, code: 1 },
  },
];

describe('error messages and exit codes beside Dokku\'s', function () {
  this.timeout(180_000);
  let server: TestServer;
  let adminKey: string;

  before(async () => {
    server = await TestServer.start();
    adminKey = fs.readFileSync(server.admin.publicKey, 'utf8');
    const created = await server.ssh(['apps:create', 'myapp']);
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => { await server?.stop(); });

  for (const row of ROWS) {
    const expected = row.ours ?? row.dokku;
    const label = row.ours ? `deliberately different: ${row.ours.why}` : 'as Dokku';
    it(`${row.mistake}: \`${row.args.join(' ')}\` (${label})`, async () => {
      const input = row.input === 'ADMIN_KEY' ? adminKey : row.input ?? '';
      const r = await server.ssh(row.args, { input });
      assert.deepEqual({ line: r.stderr.split('\n')[0], code: r.code }, { line: expected.line, code: expected.code }, r.stderr);
    });
  }

  it('the unknown command ends with Dokku\'s pointer to help', async () => {
    const r = await server.ssh(['nosuch']);
    assert.deepEqual(r.stderr.split('\n').slice(0, 2), [`${W}\`nosuch\` is not a dokku command.`, `${W}See \`dokku help\` for a list of available commands.`]);
  });

  it('a leading-dot domain is stored as given and its app URL drops the dot', async () => {
    const report = await server.ssh(['domains:report', 'myapp', '--domains-app-vhosts']);
    assert.match(report.stdout, /(^| )\.example\.com( |$)/m);
    const urls = await server.ssh(['urls', 'myapp']);
    assert.match(urls.stdout, /^http:\/\/example\.com(:\d+)?$/m);
  });
});
