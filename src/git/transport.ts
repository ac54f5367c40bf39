// The part SSH and HTTP share: authorise a git verb for an app, create the app on a first push,
// run receive-pack/upload-pack bound to a push id, and undo an app created by a failed push.
import type { Readable, Writable } from 'node:stream';
import path from 'node:path';
import type { Services } from '../services.js';
import type { AppName } from '../names.js';
import type { Identity } from '../commands/types.js';
import { requestRun, type RunContext } from '../plugins/host.js';
import type { Out } from '../log.js';
import { log } from '../log.js';
import { AppNotFound, SlipwayError } from '../errors.js';
import { authorizeGit } from '../access/index.js';
import { autocreationDisabled, ensureRepo, hasRefs } from './repo.js';
import { baseGitEnv, runGit } from './spawn.js';
import type { PushRegistry } from './pushes.js';

export type GitVerb = 'receive-pack' | 'upload-pack' | 'upload-archive';
/** ssh: one bidirectional session; advertise/rpc: the two requests of smart HTTP. */
export type GitMode = 'ssh' | 'advertise' | 'rpc';

export interface GitStreams {
  stdin?: Readable;
  /** The protocol stream: nothing but git's own stdout may ever be written here. */
  stdout: Writable;
  /** Messages for the person pushing (SSH stderr; a log sink for HTTP). */
  stderr: Writable;
}

export class GitTransport {
  constructor(
    private readonly services: Services,
    private readonly pushes: PushRegistry,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Pushes in flight per app, and whether one of them created it: the last push to finish
   * removes an app a push created if no ref landed, never while another push still runs.
   */
  private readonly active = new Map<AppName, { count: number; created: boolean; deployed: boolean }>();

  async triggerContext(identity: Identity, messages: Writable, signal: AbortSignal): Promise<RunContext> {
    const trace = await this.services.store.trace.isOn();
    // Trigger stdout goes to the message stream: on SSH the protocol owns stdout.
    return requestRun({ identity, signal }, { stdout: messages, stderr: messages }, { trace });
  }

  /** The git door of src/access/: user-auth, then the app's rules (acl grants, user-auth-app). */
  async authorize(verb: GitVerb, app: AppName, identity: Identity, messages: Writable, signal: AbortSignal): Promise<void> {
    if (!identity.remote) return;
    await authorizeGit(this.services, verb, app, await this.triggerContext(identity, messages, signal));
  }

  /**
   * A push: the app's repo, created on a first push (post-create fires) unless
   * `apps:set --global disable-autocreation true`; receive-pack bound to a push id. An app this
   * push created is removed again when the push stored nothing and deployed nothing; one whose
   * first deploy failed stays (Dokku keeps it), so `releases` and `logs` can say what went wrong.
   */
  async push(app: AppName, mode: 'ssh' | 'rpc', identity: Identity, streams: GitStreams, signal: AbortSignal): Promise<number> {
    const entry = this.active.get(app) ?? { count: 0, created: false, deployed: false };
    entry.count++;
    this.active.set(app, entry);
    try {
      if (!(await this.services.store.apps.exists(app))) {
        if (await autocreationDisabled(this.services)) throw new AppNotFound(app);
        if (await this.create(app, streams.stderr)) {
          entry.created = true;
          await this.services.plugins.fire('post-create', { APP: app }, await this.triggerContext(identity, streams.stderr, signal));
        }
      }
      const repoDir = await ensureRepo(this.services, app);
      await this.services.store.git.withRepoLock(app, async () => {
        // No other push of this app in flight here (and one server per data dir): a quarantine dir
        // is what a receive-pack left behind when its server was killed mid-push.
        if (entry.count !== 1) return;
        const removed = await this.services.store.git.removeQuarantines(app);
        if (removed.length) this.log(`${app}: removed ${removed.length} quarantine dir(s) left by an interrupted push`);
      });
      const record = this.pushes.open(app, repoDir, identity);
      try {
        return await this.spawn('receive-pack', mode, repoDir, streams, signal, record.id);
      } finally {
        if (record.deployed) entry.deployed = true;
        this.pushes.close(record);
      }
    } finally {
      entry.count--;
      if (entry.count === 0) {
        this.active.delete(app);
        if (entry.created && !entry.deployed) await this.removeCreated(app, identity, streams.stderr);
      }
    }
  }

  /** upload-pack (clone, fetch) and upload-archive: the app must exist; nothing is created. */
  async read(verb: 'upload-pack' | 'upload-archive', app: AppName, mode: 'ssh' | 'rpc', streams: GitStreams, signal: AbortSignal): Promise<number> {
    await this.services.store.apps.require(app);
    const repoDir = await ensureRepo(this.services, app);
    return this.spawn(verb, mode, repoDir, streams, signal);
  }

  /**
   * Smart-HTTP ref advertisement. A push to an app that does not exist yet is shown an empty
   * repo (the app is created by the push itself, so a GET alone creates nothing).
   */
  async advertise(verb: 'upload-pack' | 'receive-pack', app: AppName, streams: GitStreams, signal: AbortSignal, emptyRepo: () => Promise<string>): Promise<number> {
    if (!(await this.services.store.apps.exists(app))) {
      if (verb !== 'receive-pack' || (await autocreationDisabled(this.services))) throw new AppNotFound(app);
      return this.spawn(verb, 'advertise', await emptyRepo(), streams, signal);
    }
    return this.spawn(verb, 'advertise', await ensureRepo(this.services, app), streams, signal);
  }

  private async create(app: AppName, messages: Writable): Promise<boolean> {
    const out: Out = { stdout: messages, stderr: messages };
    log.info1(out, `Creating ${app}...`);
    try {
      await this.services.store.apps.create(app);
    } catch (error) {
      // A concurrent push created it first: use it, and leave its removal to that push.
      if (error instanceof SlipwayError && error.code === 'E_APP_EXISTS') return false;
      throw error;
    }
    return true;
  }

  /** Undo an app this push created and that holds no ref: the push did not land. */
  private async removeCreated(app: AppName, identity: Identity, messages: Writable): Promise<void> {
    const { store } = this.services;
    try {
      if ((await store.git.isRepo(app)) && (await hasRefs(store.git.repoDir(app)))) return;
      const out: Out = { stdout: messages, stderr: messages, quiet: true };
      await this.services.platform?.destroy(app, out);
      await store.apps.destroy(app);
      this.log(`removed ${app}: the push that created it did not land`);
      // post-delete, so plugins that reacted to post-create can clean up after themselves.
      const ctx = await this.triggerContext(identity, messages, AbortSignal.timeout(60_000));
      await this.services.plugins.fire('post-delete', { APP: app, IMAGE_TAG: '' }, ctx).catch((error: unknown) => {
        this.log(`post-delete after a failed first push of ${app}: ${error instanceof Error ? error.message : String(error)}`);
      });
    } catch (error) {
      this.log(`could not remove ${app} after a failed first push: ${error instanceof Error ? error.stack : String(error)}`);
    }
  }

  /** One git service process against repoDir, with a clean environment we build. */
  private async spawn(verb: GitVerb, mode: GitMode, repoDir: string, streams: GitStreams, signal: AbortSignal, pushId?: string): Promise<number> {
    const extra: Record<string, string> = { SLIPWAY_HOME: this.services.settings.home, SLIPWAY_KEYS_DIR: this.services.settings.keysDir };
    if (pushId) extra.SLIPWAY_PUSH_ID = pushId;
    // The hooks dir is pinned: a core.hooksPath in some git config never replaces our shim.
    const config = verb === 'receive-pack'
      ? ['-c', `core.hooksPath=${path.join(repoDir, 'hooks')}`, '-c', 'receive.advertisePushOptions=true']
      : [];
    const flags = verb === 'upload-archive' || mode === 'ssh' ? [] : mode === 'advertise' ? ['--stateless-rpc', '--advertise-refs'] : ['--stateless-rpc'];
    const result = await runGit({
      args: [...config, verb, ...flags, repoDir],
      env: baseGitEnv(extra),
      cwd: repoDir,
      stdin: mode === 'advertise' ? undefined : streams.stdin,
      stdout: streams.stdout,
      stderr: streams.stderr,
      signal,
    });
    return result.exitCode;
  }
}
