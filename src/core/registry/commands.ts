// registry:* — Dokku's registry plugin: where a release's image is pushed (server, image-repo, image-repo-template,
// push-on-release, push-extra-tags, app then global) and the credentials to push with
// (registry:login checks them with the Docker engine, as `docker login` does, then keeps them for
// the server). docker-local pushes after each build when push-on-release is true; the
// docker-swarm scheduler pushes every release there: the cluster's nodes pull it from it.
import { runReport, type ReportRows } from '../report/run-report.js';
import type { CommandSet } from '../../commands/registry.js';
import type { Invocation } from '../../commands/types.js';
import type { Services } from '../../services.js';
import { existingApp, out, readStdin } from '../shared/invocation.js';
import { setProperty } from '../shared/property-set.js';
import { log } from '../../log.js';
import { GLOBAL, type Scope } from '../../store/index.js';
import type { AppName } from '../../names.js';
import { shown } from '../../names.js';
import { SlipwayError, UsageError } from '../../errors.js';
import { DockerError, DockerUnavailable, connect } from '../../docker/index.js';
import type { RunContext } from '../../plugins/host.js';
import { isSigilError } from '../../sigil/index.js';
import {
  REGISTRY_PLUGIN, checkImageRepoTemplate, deleteLogin, hasLogins, isDockerHub, parseExtraTags, registrySettings, saveLogin, serverPrefix,
} from '../../scheduler/registry-settings.js';

const LOGIN_USAGE = 'registry:login [--global|--password-stdin] [<app>] <server> <username> [<password>]';
const LOGOUT_USAGE = 'registry:logout [--global] [<app>] <server>';
const SET_USAGE = 'registry:set (<app>|--global) <key> [<value>]';
const KEYS = ['server', 'image-repo', 'image-repo-template', 'push-on-release', 'push-extra-tags'];
const GLOBAL_KEYS = ['server', 'image-repo-template', 'push-on-release', 'push-extra-tags'];

/** `--global`, or the app named first when more words follow than the global form takes. */
async function loginScope(inv: Invocation, services: Services, globalWords: number): Promise<{ scope: Scope; words: string[] }> {
  const { positional, set } = inv.options;
  if (set.has('--global') || positional.length <= globalWords) return { scope: GLOBAL, words: positional };
  return { scope: await existingApp(services, positional[0]), words: positional.slice(1) };
}

/** Dokku logs in to (and out of) Docker Hub as docker.io whichever of its names is given. */
function hubAsDockerIo(server: string): string {
  return server === 'hub.docker.com' || server === 'docker.com' ? 'docker.io' : server;
}

async function login(inv: Invocation, services: Services, ctx: RunContext): Promise<void> {
  const stdin = inv.options.set.has('--password-stdin');
  const { scope, words } = await loginScope(inv, services, stdin ? 2 : 3);
  // Dokku still takes the global form without --global, and says so.
  if (scope === GLOBAL && !inv.options.set.has('--global') && words.length === (stdin ? 2 : 3)) {
    log.warn(out(inv), 'Deprecated: please use --global flag for global registry login');
  }
  let password = words[2] ?? '';
  if (stdin) {
    const input = await readStdin(inv, 64 * 1024, () => new UsageError('The password on stdin is longer than 64 KiB'));
    password = input.toString('utf8').trim();
  }
  // Dokku's checks, in its order and words.
  if (!words[0]) throw new UsageError('Missing server argument');
  if (!words[1]) throw new UsageError('Missing username argument');
  if (password === '') throw new UsageError('Missing password argument');
  const server = hubAsDockerIo(words[0]);
  const username = words[1];
  const auth = { serveraddress: server, username, password };
  const docker = connect();
  if (!(await docker.ping(5_000))) throw new DockerUnavailable(docker.host);
  try {
    await docker.swarm.checkAuth(auth);
  } catch (error) {
    if (error instanceof DockerError) throw new SlipwayError('E_DOCKER', `Unable to run docker login: ${error.reason}`, 1, { cause: error });
    throw error;
  }
  await saveLogin(services.store, scope, auth);
  // Dokku says it as a warning (stderr), naming the app or the global registry.
  log.warn(out(inv), `Login Succeeded for ${scope === GLOBAL ? 'global registry' : scope}`);
  // Dokku's post-registry-login: server and user as arguments, the password in DOCKER_REGISTRY_PASS.
  await services.plugins.fire('post-registry-login', { DOCKER_REGISTRY_SERVER: server, DOCKER_REGISTRY_USER: username },
    { ...ctx, env: { ...ctx.env, DOCKER_REGISTRY_PASS: password } });
}

/** Dokku prints nothing once logged out; an app that never logged in is an error. */
async function logout(inv: Invocation, services: Services): Promise<void> {
  const { scope, words } = await loginScope(inv, services, 1);
  if (!words[0]) throw new UsageError('Missing server argument');
  if (scope !== GLOBAL && !(await hasLogins(services.store, scope))) throw new UsageError(`No registry credentials found for app ${scope}`);
  await deleteLogin(services.store, scope, hubAsDockerIo(words[0]));
}

/** Slipway's value checks (Dokku stores any value), before Dokku's own checks and messages. */
function checkValue(key: string, value: string): void {
  if (key === 'push-on-release' && value !== 'true' && value !== 'false') throw new UsageError(`Invalid push-on-release value ${shown(value)}: true or false`);
  if (key === 'server' && !/^[A-Za-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*\/?$/.test(value)) throw new UsageError(`Invalid registry server ${shown(value)}`);
  if (key === 'image-repo' && !/^[a-z0-9][a-z0-9._/-]*$/.test(value)) throw new UsageError(`Invalid image repository ${shown(value)}`);
  if (key === 'image-repo-template') {
    try {
      checkImageRepoTemplate(value);
    } catch (error) {
      if (isSigilError(error)) throw new UsageError(`Unable to parse image-repo-template: ${error.message}`);
      throw error;
    }
  }
  if (key === 'push-extra-tags' && parseExtraTags(value) === undefined) throw new UsageError(`Invalid push-extra-tags value ${shown(value)}: image tags separated by commas`);
}

/** Dokku's common.CommandPropertySet: its checks and words (`=====> Setting KEY to VALUE`). */
async function set(inv: Invocation, services: Services): Promise<void> {
  await setProperty(inv, services, { plugin: REGISTRY_PLUGIN, app: KEYS, global: GLOBAL_KEYS, check: checkValue });
}

async function reportRows(services: Services, app: AppName): Promise<ReportRows> {
  const get = async (scope: Scope, key: string) => (await services.store.properties.get(REGISTRY_PLUGIN, scope, key)) ?? '';
  // A template that fails to render shows the default repository, as Dokku's report does.
  const computed = await registrySettings(services.store, app, { fallback: true });
  const template = (await get(app, 'image-repo-template')).trim() || await get(GLOBAL, 'image-repo-template');
  return [
    ['--registry-computed-image-repo', computed.imageRepo],
    ['--registry-image-repo', await get(app, 'image-repo')],
    ['--registry-computed-image-repo-template', template],
    ['--registry-global-image-repo-template', await get(GLOBAL, 'image-repo-template')],
    ['--registry-image-repo-template', await get(app, 'image-repo-template')],
    ['--registry-computed-push-on-release', String(computed.pushOnRelease)],
    ['--registry-global-push-on-release', await get(GLOBAL, 'push-on-release')],
    ['--registry-push-on-release', await get(app, 'push-on-release')],
    ['--registry-computed-push-extra-tags', computed.pushExtraTags.join(',')],
    ['--registry-global-push-extra-tags', await get(GLOBAL, 'push-extra-tags')],
    ['--registry-push-extra-tags', await get(app, 'push-extra-tags')],
    ['--registry-tag-version', await get(app, 'tag-version')],
    ['--registry-computed-server', serverPrefix(computed.server)],
    ['--registry-global-server', await get(GLOBAL, 'server')],
    ['--registry-server', await get(app, 'server')],
  ];
}

function report(inv: Invocation, services: Services): Promise<void> {
  return runReport(inv, services, {
    type: 'registry',
    app: (app) => reportRows(services, app),
    async global() {
      const get = async (key: string) => (await services.store.properties.get(REGISTRY_PLUGIN, GLOBAL, key)) ?? '';
      const server = (await get('server')).trim().replace(/\/+$/, '');
      const pushOnRelease = await get('push-on-release');
      return [
        ['--registry-computed-push-on-release', pushOnRelease.trim() || 'false'], ['--registry-global-push-on-release', pushOnRelease],
        ['--registry-computed-server', isDockerHub(server) ? '' : `${server}/`], ['--registry-global-server', await get('server')],
        ['--registry-computed-image-repo-template', await get('image-repo-template')], ['--registry-global-image-repo-template', await get('image-repo-template')],
        ['--registry-computed-push-extra-tags', await get('push-extra-tags')], ['--registry-global-push-extra-tags', await get('push-extra-tags')],
      ];
    },
  });
}

export const registryCommands: CommandSet = {
  plugin: 'registry',
  summary: 'Push release images to a Docker registry (push-on-release; the docker-swarm scheduler deploys from it)',
  access: { who: 'app' },
  commands: [
    { name: 'registry:login', access: { who: 'admin' }, options: ['--global', '--password-stdin'], help: { usage: LOGIN_USAGE, description: 'Log in to a docker registry (checked with the engine), for all apps or one' }, run: (inv, services, ctx) => login(inv, services, ctx) },
    { name: 'registry:logout', access: { who: 'admin' }, options: ['--global'], help: { usage: LOGOUT_USAGE, description: 'Forget the login to a docker registry' }, run: logout },
    { name: 'registry:set', help: { usage: SET_USAGE, description: 'Set or clear a registry property (server, image-repo, image-repo-template, push-on-release, push-extra-tags)' }, run: set },
    { name: 'registry:report', help: { usage: 'registry:report [<app>] [<flag>]', description: 'Display the registry settings of an app, or all apps' }, run: report },
  ],
};
