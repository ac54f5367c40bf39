// Shared setup for suites that need a Docker Engine: connect to DOCKER_HOST, skip the suite with a
// printed reason when none answers, label what the run creates and remove it all afterwards.
import http from 'node:http';
import { connect, DEFAULT_DOCKER_HOST, type DockerClient, type Labels } from '../../src/docker/index.js';
import { busyboxProblem } from './docker-base.js';

/** Everything a test run creates carries this label, so cleanup finds exactly that. */
export const TEST_LABEL = 'com.slipway.test';
export const TEST_RUN = `run-${process.pid}-${Date.now().toString(36)}`;
export const testLabels = (extra: Labels = {}): Labels => ({ ...extra, [TEST_LABEL]: TEST_RUN });

type Skippable = Mocha.Suite & { skipReason?: string };

/** Our reporter prints `skipReason` of a skipped test's suite: set it on the suite and its children. */
function markSkipped(suite: Mocha.Suite | undefined, reason: string): void {
  if (suite === undefined) return;
  (suite as Skippable).skipReason = reason;
  for (const child of suite.suites) markSkipped(child, reason);
}

/**
 * For a `before` hook: a connected client, or the suite is skipped with a reason (no engine,
 * no static busybox to build the base image from).
 */
export async function dockerOrSkip(ctx: Mocha.Context): Promise<DockerClient> {
  const host = process.env.DOCKER_HOST || DEFAULT_DOCKER_HOST;
  let reason: string | undefined;
  const docker = connect(host);
  if (!(await docker.ping(5000))) {
    reason = `no Docker Engine answers at ${host} (start one with: eval "$(.ci/docker.sh start)")`;
  } else {
    reason = await busyboxProblem();
  }
  if (reason !== undefined) {
    markSkipped(ctx.test?.parent, reason);
    ctx.skip();
  }
  return docker;
}

export { freeLoopbackPort } from './net.js';

export interface HttpAnswer { status: number; body: string }

/** GET on loopback only; the URL is built here so a test cannot aim elsewhere by mistake. */
export function getLoopback(port: number, path = '/'): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port}${path} timed out`)));
    req.on('error', reject);
  });
}

/** Retry a loopback GET until the server inside a just-started container answers. */
export async function waitForLoopback(port: number, path = '/', timeoutMs = 15000): Promise<HttpAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await getLoopback(port, path);
    } catch (error) {
      if (Date.now() > deadline) {
        throw new Error(`nothing answered on 127.0.0.1:${port} within ${timeoutMs} ms`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
