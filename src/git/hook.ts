// The server side of the pre-receive hook: checks every ref the push would move, stores
// non-deploy branches and tags, and runs the deploy for the deploy branch. A non-zero exit
// makes git refuse the whole push, so no ref moves when a deploy fails.
import path from 'node:path';
import type { Services } from '../services.js';
import type { PushDeployer, PushRequest } from '../deploy/types.js';
import type { HookRequest } from '../control/protocol.js';
import type { CommandIO } from '../commands/types.js';
import type { Out } from '../log.js';
import { log, prefix } from '../log.js';
import { reportError, userMessage } from '../errors.js';
import { shown } from '../names.js';
import { MAX_UPDATES, RefRefused, isZeroRev, parsePushOption, parseRefUpdate, type RefUpdate } from './refs.js';
import { branchSettings, pointHead, revParse } from './repo.js';
import { computedDeployBranch, planPush, skippedLines } from './deploy-branch.js';
import { MAX_PUSH_OPTIONS, QUARANTINE_VARS } from './hook-env.js';
import type { PushRecord, PushRegistry } from './pushes.js';
import type { GitTransport } from './transport.js';
import { isInside } from '../os/inside.js';


/** Keeps only the quarantine variables, and only (normalised) paths inside this repo's objects dir. */
export function quarantineEnv(raw: Record<string, string>, repoDir: string): Record<string, string> {
  const objects = path.join(repoDir, 'objects');
  const env: Record<string, string> = {};
  for (const name of QUARANTINE_VARS) {
    const value = raw[name];
    if (value === undefined || value === '') continue;
    const paths = (name === 'GIT_ALTERNATE_OBJECT_DIRECTORIES' ? value.split(':') : [value]).map((p) => path.resolve(repoDir, p));
    for (const p of paths) {
      if (!isInside(objects, p)) throw new RefRefused(`Refusing ${name}: not inside this repository`);
    }
    env[name] = paths.join(':');
  }
  return env;
}

/** GIT_PUSH_OPTION_COUNT / GIT_PUSH_OPTION_n, as git gives them to the hook. */
export function pushOptions(raw: Record<string, string>): string[] {
  const count = Number(raw.GIT_PUSH_OPTION_COUNT ?? '0');
  if (!Number.isInteger(count) || count < 0 || count > MAX_PUSH_OPTIONS) throw new RefRefused('Refusing push options: bad count');
  return Array.from({ length: count }, (_, i) => parsePushOption(raw[`GIT_PUSH_OPTION_${i}`] ?? ''));
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && Object.values(value).every((v) => typeof v === 'string');
}

function parseUpdates(value: unknown): RefUpdate[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_UPDATES) throw new RefRefused('Refusing push: no valid ref updates');
  return value.map((entry: unknown) => {
    const u = entry as Partial<Record<'oldRev' | 'newRev' | 'ref', unknown>>;
    if (typeof u?.oldRev !== 'string' || typeof u.newRev !== 'string' || typeof u.ref !== 'string') {
      throw new RefRefused('Refusing push: malformed ref update');
    }
    return parseRefUpdate(u.oldRev, u.newRev, u.ref);
  });
}

export class HookHandler {
  constructor(
    private readonly services: Services,
    private readonly deployer: PushDeployer,
    private readonly pushes: PushRegistry,
    private readonly transport: GitTransport,
    private readonly log: (line: string) => void,
  ) {}

  async handle(request: HookRequest, io: CommandIO, signal: AbortSignal): Promise<number> {
    // Only a hook started by a receive-pack this server spawned knows a live push id.
    const record = request.kind === 'pre-receive' ? this.pushes.claim(request.pushId) : undefined;
    if (!record || request.app !== path.basename(record.repoDir)) {
      io.stderr.write(`${prefix.warn}This push was not started by this Slipway server; refused\n`);
      return 1;
    }
    try {
      await this.preReceive(record, request, io, signal);
      return 0;
    } catch (error) {
      return reportError(error, io.stderr, (stack) => this.log(`pre-receive for ${record.app} failed: ${stack}`));
    }
  }

  private async preReceive(record: PushRecord, request: HookRequest, io: CommandIO, signal: AbortSignal): Promise<void> {
    const out: Out = { stdout: io.stdout, stderr: io.stderr };
    const rawEnv = isStringRecord(request.gitEnv) ? request.gitEnv : {};
    // Everything is checked before anything runs: one bad ref refuses the whole push.
    const updates = parseUpdates(request.updates);
    const options = pushOptions(rawEnv);
    const gitEnv = quarantineEnv(rawEnv, record.repoDir);
    const settings = await branchSettings(this.services, record.app);
    const branch = computedDeployBranch(settings);
    const steps = planPush(updates, settings);
    for (const step of steps) {
      if (step.update.deletion && step.update.name === branch) {
        throw new RefRefused(`Refusing to delete the deploy branch (${branch}) of ${record.app}`);
      }
    }
    if (options.length) log.verbose(out, `Push options: ${options.join(' ')}`);
    for (const step of steps) {
      const u = step.update;
      if (step.action === 'deleted') log.info1(out, `${u.kind === 'branch' ? 'Branch' : 'Tag'} ${u.name} deleted`);
      else if (step.action === 'skipped') for (const line of skippedLines(u, step.branch)) log.info1(out, line);
    }
    await this.receiveBranches(record, steps.map((s) => s.update), out, signal);
    for (const step of steps) {
      if (step.action === 'deploy') await this.deploy(record, step.update, gitEnv, out, signal);
      if (step.action !== 'adopt') continue;
      // Recorded only once the deploy succeeded: a refused push leaves the app as it was.
      log.info1(out, `Set ${step.update.name} as deploy-branch`);
      await this.deploy(record, step.update, gitEnv, out, signal);
      await this.services.store.properties.set('git', record.app, 'deploy-branch', step.update.name);
      await pointHead(this.services, record.app, step.update.name);
    }
  }

  /** Dokku's receive-branch (APP REV REFNAME) for each branch pushed, before any deploy; a failure refuses the push. */
  private async receiveBranches(record: PushRecord, updates: RefUpdate[], out: Out, signal: AbortSignal): Promise<void> {
    const branches = updates.filter((u) => u.kind === 'branch' && !u.deletion);
    if (!branches.length) return;
    const ctx = await this.transport.triggerContext(record.identity, out.stdout, signal);
    for (const u of branches) await this.services.plugins.fire('receive-branch', { APP: record.app, REV: u.newRev, REFNAME: u.ref }, ctx);
  }

  private async deploy(record: PushRecord, update: RefUpdate, gitEnv: Record<string, string>, out: Out, signal: AbortSignal): Promise<void> {
    const push: PushRequest = {
      app: record.app,
      ref: update.ref,
      oldRev: update.oldRev,
      newRev: update.newRev,
      repoDir: record.repoDir,
      gitEnv,
      pusher: record.identity,
      checkRef: async () => {
        // Under the deploy lock: a push that landed meanwhile moved the ref, and git would
        // refuse this update after the deploy had already switched traffic.
        const now = await revParse(record.repoDir, update.ref);
        const moved = now === undefined ? !isZeroRev(update.oldRev) : now !== update.oldRev;
        if (moved) {
          throw new RefRefused(`${update.name} of ${record.app} ${now ? `moved to ${now.slice(0, 7)}` : 'was deleted'} while this push was on its way; fetch and push again`);
        }
      },
      landed: record.landed,
    };
    // pre-receive-app (APP IMAGE_SOURCE_TYPE TMP_WORK_DIR REV) is the pipeline's to fire: only
    // the builder knows the source type and has extracted the tree into a work dir.
    record.deployed = true;
    await this.deployer.deploy(push, out, signal);
    const ctx = await this.transport.triggerContext(record.identity, out.stdout, signal);
    try {
      await this.services.plugins.fire('receive-app', { APP: record.app, REV: update.newRev }, ctx);
    } catch (error) {
      // The new release already serves: refusing the ref now would make git disagree with it.
      log.warn(out, `receive-app trigger failed after the deploy of ${shown(update.newRev, 12)}: ${userMessage(error)}`);
    }
  }
}
