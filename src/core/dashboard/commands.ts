// dashboard:login|sessions|logout — the web dashboard's doors, opened over SSH: the key that asks is
// proven, so the one-time URL it gets opens a session with exactly that key's rights.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { DEFAULT_TOKEN_SECONDS, MAX_TOKEN_SECONDS, endSessions, issueLoginToken, sessionsOf } from '../../access/dashboard-sessions.js';
import { log } from '../../log.js';
import { out } from '../shared/invocation.js';

async function login(inv: Invocation, services: Services): Promise<void> {
  if (inv.options.positional.length) throw new UsageError('Usage: dokku dashboard:login [--expires-in <seconds>]');
  const base = services.dashboard?.url();
  if (!base) throw new SlipwayError('E_DASHBOARD_OFF', 'The dashboard is off: set SLIPWAY_DASHBOARD_LISTEN (default 127.0.0.1:8090) and restart the server', 1);
  // The session acts as a key: only a key proven over SSH has one (the local CLI has none).
  const key = inv.identity.remote ? (await services.store.keys.list()).find((k) => k.name === inv.identity.keyName && k.fingerprint === inv.identity.fingerprint) : undefined;
  if (!key) throw new SlipwayError('E_DASHBOARD_OFF', 'dashboard:login runs over SSH (ssh dokku@HOST dashboard:login): the session acts as your key', 1);
  const raw = inv.options.values.get('--expires-in') ?? String(DEFAULT_TOKEN_SECONDS);
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_TOKEN_SECONDS) throw new UsageError(`--expires-in takes 1 to ${MAX_TOKEN_SECONDS} seconds`);
  const token = await issueLoginToken(services.store, key, Number(raw));
  log.info2(out(inv), `Dashboard login for ${key.name}${key.admin ? ' (admin)' : ''}`);
  log.verbose(out(inv), `Open this URL within ${raw} seconds; it works once:`);
  inv.io.stdout.write(`${base}/login?token=${token}\n`);
}

async function sessions(inv: Invocation, services: Services): Promise<void> {
  const list = await sessionsOf(services.store, inv.identity.keyName);
  if (inv.options.values.get('--format') === 'json') return void inv.io.stdout.write(`${JSON.stringify(list.map(({ id, name, created, expires, from }) => ({ id, name, created, expires, from })))}\n`);
  log.info2(out(inv), `Dashboard sessions of ${inv.identity.keyName}`);
  if (!list.length) return void inv.io.stdout.write('       (none)\n');
  for (const s of list) inv.io.stdout.write(`       ${s.id}  created ${s.created}  expires ${s.expires}  ${s.from}\n`);
}

async function logout(inv: Invocation, services: Services): Promise<void> {
  const [id, extra] = inv.options.positional;
  const all = inv.options.set.has('--all');
  if (extra !== undefined || (all && id !== undefined) || (!all && id === undefined)) throw new UsageError('Usage: dokku dashboard:logout (<session-id>|--all)');
  if (!all && !/^[0-9a-f]{12}$/.test(id)) throw new UsageError('A session id is 12 hex digits (see dashboard:sessions)');
  const ended = await endSessions(services.store, inv.identity.keyName, all ? 'all' : id);
  if (!all && ended === 0) throw new SlipwayError('E_SESSION_NOT_FOUND', `No dashboard session ${id} of ${inv.identity.keyName} (see dashboard:sessions)`, 1);
  log.info1(out(inv), `Ended ${ended} dashboard session${ended === 1 ? '' : 's'}`);
}

export const dashboardCommands: CommandSet = {
  plugin: 'dashboard',
  summary: 'Open the web dashboard with your key, list and end its sessions',
  // Every key manages its own sessions only; what a session may see is the key's own rights.
  access: { who: 'any', app: 'none' },
  commands: [
    { name: 'dashboard:login', options: ['--expires-in='], help: { usage: 'dashboard:login [--expires-in <seconds>]', description: 'Print a one-time URL that opens a dashboard session as your key' }, run: login },
    { name: 'dashboard:sessions', options: ['--format='], help: { usage: 'dashboard:sessions [--format json]', description: 'List your open dashboard sessions' }, run: sessions },
    { name: 'dashboard:logout', options: ['--all'], help: { usage: 'dashboard:logout (<session-id>|--all)', description: 'End one of your dashboard sessions, or all of them' }, run: logout },
  ],
};
