// The native builder (no Docker): a Node app (package.json: npm ci/install, npm run build), a
// Procfile app, or a static site (index.html, served by the proxy from the release directory).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Builder, BuildContext, BuildResult } from './types.js';
import { parseProcfile } from './procfile.js';
import { runStep } from './step.js';
import { hostEnv } from '../os/host-env.js';
import { log } from '../log.js';
import { DeployFailed } from '../errors.js';
import { unlessMissing } from '../os/missing.js';

interface PackageJson { scripts?: Record<string, string> }

async function isFile(dir: string, name: string): Promise<boolean> {
  const stat = await unlessMissing(fs.lstat(path.join(dir, name)), undefined);
  return stat?.isFile() ?? false;
}

async function readPackageJson(dir: string): Promise<PackageJson> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as PackageJson;
  } catch (error) {
    throw new DeployFailed(`package.json is not valid: ${(error as Error).message}`, { cause: error });
  }
}

async function buildNode(ctx: BuildContext, procfile: Record<string, string> | undefined): Promise<BuildResult> {
  const pkg = await readPackageJson(ctx.dir);
  const scripts = pkg.scripts ?? {};
  if (!procfile && !scripts.start && !(await isFile(ctx.dir, 'server.js'))) {
    throw new DeployFailed('package.json has no start script (and there is no Procfile or server.js): nothing to run');
  }
  const env = {
    ...hostEnv(),
    HOME: ctx.dir,
    // Audit, funding and update checks would reach the internet on every build.
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_cache: path.join(ctx.cacheDir, 'npm'),
    ...ctx.env,
  };
  const step = { cwd: ctx.dir, env, out: ctx.out, signal: ctx.signal };
  const locked = (await isFile(ctx.dir, 'package-lock.json')) || (await isFile(ctx.dir, 'npm-shrinkwrap.json'));
  log.info1(ctx.out, locked ? 'Installing dependencies with npm ci' : 'Installing dependencies with npm install');
  await runStep('npm', locked ? ['ci'] : ['install'], step);
  if (scripts.build) {
    log.info1(ctx.out, 'Running npm run build');
    await runStep('npm', ['run', 'build'], step);
  }
  return { builder: 'native', kind: 'node', processTypes: procfile ?? { web: 'npm start' }, static: false };
}

export const nativeBuilder: Builder = {
  name: 'native',

  async detect(dir, hints) {
    for (const name of [hints?.procfilePath ?? 'Procfile', 'package.json', 'index.html']) if (await isFile(dir, name)) return true;
    return false;
  },

  async build(ctx) {
    if ((ctx.dockerOptions ?? []).length > 0) {
      log.warn(ctx.out, `The native builder builds no image: the build-phase docker options (${ctx.dockerOptions?.join(' ')}) are not used`);
    }
    const procfileName = ctx.procfilePath ?? 'Procfile';
    const procfile = (await isFile(ctx.dir, procfileName))
      ? parseProcfile(await fs.readFile(path.join(ctx.dir, procfileName), 'utf8'))
      : undefined;
    if (procfile && Object.keys(procfile).length === 0) throw new DeployFailed('Procfile defines no process types');
    if (await isFile(ctx.dir, 'package.json')) {
      log.verbose(ctx.out, 'Node.js app detected (package.json)');
      return buildNode(ctx, procfile);
    }
    if (procfile) {
      log.verbose(ctx.out, `Procfile app detected: ${Object.keys(procfile).join(', ')}`);
      return { builder: 'native', kind: 'procfile', processTypes: procfile, static: false };
    }
    if (await isFile(ctx.dir, 'index.html')) {
      log.verbose(ctx.out, 'Static site detected (index.html): served by the proxy');
      return { builder: 'native', kind: 'static', processTypes: {}, static: true };
    }
    throw new DeployFailed('Unable to detect the app type: add a Procfile, a package.json or an index.html');
  },
};
