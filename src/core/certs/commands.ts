// certs:* — an app's TLS certificate (Dokku's certs plugin): add/update from two files on the
// server or a tar on stdin, generate a self-signed one, remove, show, and the ssl report. The
// built-in proxy picks the new pair up at once (routesChanged), no restart.
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import type { RunContext } from '../../plugins/host.js';
import type { AppName } from '../../names.js';
import type { CertPair } from '../../store/index.js';
import { existingApp, out, readStdin, requireArgs } from '../shared/invocation.js';
import { runReport, type ReportRows } from '../report/run-report.js';
import { ensureFree, parseDomain } from '../domains/commands.js';
import { checkPair, describeCert } from './x509.js';
import { MAX_TAR_BYTES, pairFromTar } from './tar-input.js';
import { selfSigned } from './generate.js';
import { readSmallFile } from '../../os/small-file.js';
import { isAdmin } from '../../access/index.js';
import { AccessDenied, SlipwayError } from '../../errors.js';
import { log } from '../../log.js';

const fail = (message: string): SlipwayError => new SlipwayError('E_CERT_INVALID', message, 1);

/** A CRT or KEY path given on the command line, read from the server's disk (admins only). */
async function serverFile(file: string, kind: 'CRT' | 'KEY'): Promise<string> {
  const bytes = await readSmallFile(file, MAX_TAR_BYTES);
  if (bytes === undefined) throw fail(`${kind} file specified not found, please check file paths`);
  if (bytes === 'too-large') throw fail(`${kind} file specified is larger than ${MAX_TAR_BYTES} bytes`);
  return bytes.toString('utf8');
}

async function pairFromInvocation(inv: Invocation): Promise<CertPair> {
  const [, crtFile, keyFile] = inv.args;
  if (crtFile !== undefined && keyFile === undefined) throw fail('Both CRT and KEY file paths are required');
  if (crtFile !== undefined) {
    // Paths on the server: any file the server's user can read would be stored and then shown by
    // certs:show, so only an admin may name them; other users send the pair as a tar on stdin.
    if (!isAdmin(inv.identity)) throw new AccessDenied('certs:add with file paths reads files on the server: send a tar on stdin instead');
    return { crt: await serverFile(crtFile, 'CRT'), key: await serverFile(keyFile, 'KEY') };
  }
  const archive = await readStdin(inv, MAX_TAR_BYTES, () => fail(`Tar archive on stdin is larger than ${MAX_TAR_BYTES} bytes`));
  return pairFromTar(archive);
}

/** The one way a certificate is installed (certs:*, letsencrypt:enable): check, store, serve, tell plugins. */
export async function installCert(services: Services, ctx: RunContext, app: AppName, pair: CertPair): Promise<void> {
  checkPair(pair);
  await services.store.certs.set(app, pair);
  // Dokku's ports plugin (post-certs-update): an app proxy-port of 80 or proxy-ssl-port of 443 goes.
  const own = async (property: string) => (await services.store.properties.get('proxy', app, property))?.trim();
  if (await own('proxy-port') === '80') await services.store.ports.setProxyPort(app, undefined);
  if (await own('proxy-ssl-port') === '443') await services.store.ports.setProxySslPort(app, undefined);
  await services.platform?.routesChanged(app);
  await services.plugins.fire('post-certs-update', { APP: app }, ctx);
}

async function add(inv: Invocation, services: Services, ctx: RunContext, usage: string): Promise<void> {
  requireArgs(inv.args, 1, usage);
  const app = await existingApp(services, inv.args[0]);
  await installCert(services, ctx, app, await pairFromInvocation(inv));
}

async function generate(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  requireArgs(inv.args, 1, 'certs:generate <app> [<domain>]');
  const app = await existingApp(services, inv.args[0]);
  const o = out(inv);
  if (await services.store.certs.get(app)) {
    log.info1(o, `${app} has an SSL endpoint already defined`);
    return;
  }
  const given = inv.args[1] === undefined ? undefined : parseDomain(inv.args[1]);
  // Dokku's openssl asks for the subject interactively; without a domain the app's first one is used.
  const domain = given ?? (await services.store.domains.app(app))[0]?.replace(/^\./, '');
  if (domain === undefined) throw fail(`Please specify a domain: ${app} has none`);
  if (given !== undefined) await ensureFree(services, app, [given]);
  const pair = await selfSigned(domain, inv.signal);
  log.info1(o, 'Installing certificate and key...');
  await installCert(services, ctx, app, pair);
  if (given !== undefined && !(await services.store.domains.app(app)).includes(given)) {
    await services.store.domains.updateApp(app, (current) => [...current, given]);
    await services.platform?.routesChanged(app);
    await services.plugins.fire('post-domains-update', { APP: app, ACTION: 'add', DOMAINS: [given] }, ctx);
  }
  log.info1(o, 'The following is a certificate signing request that can be used');
  log.info1(o, `to generate an 'officially' signed SSL certificate for ${app} at ${domain}`);
  log.info1(o, 'by a CA of your choosing.');
  inv.io.stdout.write(pair.csr);
}

async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const pair = await services.store.certs.get(app);
  const info = pair ? describeCert(pair.crt) : undefined;
  return [
    ['--ssl-dir', services.store.certs.dir(app)],
    ['--ssl-enabled', String(pair !== undefined)],
    ['--ssl-hostnames', info?.hostnames.join(' ') ?? ''],
    ['--ssl-expires-at', info?.expiresAt ?? ''],
    ['--ssl-issuer', info?.issuer ?? ''],
    ['--ssl-starts-at', info?.startsAt ?? ''],
    ['--ssl-subject', info?.subject ?? ''],
    ['--ssl-verified', info?.verified ?? ''],
  ];
}

export const certsCommands: CommandSet = {
  plugin: 'certs',
  summary: 'Manage the TLS certificates of apps',
  access: { who: 'app' },
  commands: [
    {
      name: 'certs:add',
      help: { usage: 'certs:add <app> CRT KEY', description: 'Add an ssl endpoint to an app (or a tar holding a .crt and a .key on stdin)' },
      run: (inv, services, ctx) => add(inv, services, ctx, 'certs:add <app> CRT KEY'),
    },
    {
      name: 'certs:update',
      help: { usage: 'certs:update <app> CRT KEY', description: 'Update the ssl endpoint of an app (or a tar on stdin)' },
      run: (inv, services, ctx) => add(inv, services, ctx, 'certs:update <app> CRT KEY'),
    },
    {
      name: 'certs:generate',
      help: { usage: 'certs:generate <app> [<domain>]', description: 'Generate a self-signed key and certificate for an app' },
      run: (inv, services, ctx) => generate(inv, services, ctx),
    },
    {
      name: 'certs:remove',
      help: { usage: 'certs:remove <app>', description: 'Remove the ssl endpoint of an app' },
      async run(inv, services, ctx) {
        requireArgs(inv.args, 1, 'certs:remove <app>');
        const app = await existingApp(services, inv.args[0]);
        if (!(await services.store.certs.remove(app))) throw new SlipwayError('E_CERT_MISSING', 'An app-specific SSL endpoint is not defined', 1);
        log.info1(out(inv), `Removing SSL endpoint from ${app}`);
        // Dokku's ports plugin (post-certs-remove) forgets the app's proxy-ssl-port with its certificate.
        await services.store.ports.setProxySslPort(app, undefined);
        await services.platform?.routesChanged(app);
        await services.plugins.fire('post-certs-remove', { APP: app }, ctx);
      },
    },
    {
      name: 'certs:show',
      help: { usage: 'certs:show <app> crt|key', description: 'Print the certificate or the key of an app' },
      async run(inv, services) {
        requireArgs(inv.args, 1, 'certs:show <app> crt|key');
        const app = await existingApp(services, inv.args[0]);
        const which = inv.args[1];
        if (which !== 'crt' && which !== 'key') throw new SlipwayError('E_USAGE', 'specify either \'key\' or \'crt\'', 1);
        const pair = await services.store.certs.get(app);
        if (!pair) throw new SlipwayError('E_CERT_MISSING', `${app} doesn't have an SSL endpoint defined`, 1);
        inv.io.stdout.write(pair[which]);
      },
    },
    {
      name: 'certs:report',
      help: { usage: 'certs:report [<app>] [<flag>]', description: 'Display the ssl information of an app (or every app)' },
      run: (inv, services) => runReport(inv, services, { type: 'ssl', app: (app) => reportRows(services, app) }),
    },
  ],
};
