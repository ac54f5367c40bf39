// Health of a new generation before it gets traffic: every web process accepts TCP on its PORT
// within the start timeout, then answers each HTTP check with 2xx (and the expected content).
import net from 'node:net';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Generation, InstanceInfo } from '../scheduler/types.js';
import type { CheckPlan, HttpCheck } from './checks.js';
import type { Out } from '../log.js';
import { log } from '../log.js';
import { DeployFailed } from '../errors.js';

export interface HealthOptions {
  plan: CheckPlan;
  startTimeoutMs: number;
  /** Host header for checks that name none: the app's first hostname. */
  hostHeader: string;
  out: Out;
  signal: AbortSignal;
  /** Process types whose checks run (checks:skip / checks:disable leave the others out); all by default. */
  checked?: (type: string) => boolean;
}

const MAX_BODY = 1024 * 1024;

function current(gen: Generation, id: string): InstanceInfo {
  const info = gen.instances().find((i) => i.id === id);
  if (!info) throw new DeployFailed(`${id} is gone`);
  return info;
}

/** The instance's last output is shown by the caller (start-report.ts), for every failed start. */
function crashed(info: InstanceInfo, when: string): DeployFailed {
  const code = info.lastExitCode;
  const how = code === null ? 'was killed' : code === undefined ? 'exited' : `exited with code ${code}`;
  return new DeployFailed(`${info.id} ${how} ${when}`);
}

function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitListening(gen: Generation, id: string, options: HealthOptions): Promise<void> {
  const deadline = Date.now() + options.startTimeoutMs;
  let delay = 50;
  for (;;) {
    const info = current(gen, id);
    if (info.exits > 0) throw crashed(info, 'before it accepted connections');
    if (info.port === undefined) throw new DeployFailed(`${id} has no port`);
    if (await tryConnect(info.host, info.port)) return;
    if (options.signal.aborted) throw new DeployFailed('Deploy aborted');
    if (Date.now() >= deadline) {
      throw new DeployFailed(`${id} did not accept connections on port ${info.port} within ${Math.round(options.startTimeoutMs / 1000)}s`);
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
}

function get(info: InstanceInfo, check: HttpCheck, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: info.host, port: info.port, path: check.path, method: 'GET', agent: false,
      headers: { Host: check.host ?? host, 'User-Agent': 'slipway-checks', Connection: 'close' },
      timeout: check.timeoutMs,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { if (body.length < MAX_BODY) body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${check.timeoutMs / 1000}s`)));
    req.on('error', reject);
    req.end();
  });
}

/** `exitsBefore`: exits the instance had before its checks began (checks:run on a serving instance). */
async function runCheck(gen: Generation, id: string, check: HttpCheck, options: HealthOptions, exitsBefore = 0): Promise<void> {
  let last = '';
  for (let attempt = 1; attempt <= check.attempts; attempt++) {
    if (attempt > 1 && check.waitMs > 0) await sleep(check.waitMs, undefined, { signal: options.signal }).catch(() => undefined);
    if (options.signal.aborted) throw new DeployFailed('Deploy aborted');
    const info = current(gen, id);
    if (info.exits > exitsBefore) throw crashed(info, 'during its checks');
    try {
      const { status, body } = await get(info, check, options.hostHeader);
      if (status < 200 || status > 299) last = `returned ${status}`;
      else if (check.content !== undefined && !body.includes(check.content)) last = `answered ${status} without the expected content "${check.content}"`;
      else {
        log.verbose(options.out, `${id} GET ${check.path}: ${status}${check.content !== undefined ? ' (content matched)' : ''}`);
        return;
      }
    } catch (error) {
      last = `failed: ${(error as Error).message}`;
    }
    log.verbose(options.out, `${id} GET ${check.path} ${last} (attempt ${attempt}/${check.attempts})`);
  }
  throw new DeployFailed(`Health check failed: ${id} GET ${check.path} ${last}`);
}

/** Resolves when every checked web instance is healthy; throws DeployFailed with the first problem. */
export async function checkGeneration(gen: Generation, options: HealthOptions): Promise<void> {
  const checked = options.checked ?? (() => true);
  const web = gen.instances().filter((i) => i.type === 'web' && checked(i.type));
  await Promise.all(web.map((i) => waitListening(gen, i.id, options)));
  if (web.length) log.verbose(options.out, `${web.map((i) => i.id).join(', ')} accepting connections`);
  if (options.plan.checks.length && web.length) {
    log.info1(options.out, `Running ${options.plan.checks.length} health check(s) from ${options.plan.source}`);
    for (const instance of web) {
      for (const check of options.plan.checks) await runCheck(gen, instance.id, check, options);
    }
  }
  for (const info of gen.instances()) {
    if (checked(info.type) && info.exits > 0) throw crashed(info, 'during the deploy');
  }
}

/**
 * checks:run: the same checks against instances that already serve. A web instance must accept
 * connections and pass the plan's HTTP checks; any other must be running.
 */
export async function checkInstance(gen: Generation, id: string, options: HealthOptions): Promise<void> {
  const info = current(gen, id);
  if (info.state !== 'running' && info.state !== 'starting') throw new DeployFailed(`${id} is ${info.state}`);
  if (info.type !== 'web') {
    log.verbose(options.out, `${id} is running`);
    return;
  }
  if (info.port === undefined || !(await tryConnect(info.host, info.port))) throw new DeployFailed(`${id} does not accept connections on port ${info.port ?? '-'}`);
  if (!options.plan.checks.length) {
    log.verbose(options.out, `${id} accepts connections (no CHECKS file or app.json healthchecks)`);
    return;
  }
  for (const check of options.plan.checks) await runCheck(gen, id, check, options, info.exits);
  log.verbose(options.out, `${id} passed ${options.plan.checks.length} check(s) from ${options.plan.source}`);
}
