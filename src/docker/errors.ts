// Docker's failures as Slipway errors: a missing image or container, an engine that does not
// answer, a failed build step. Each has a stable code; the dockerode error rides along as `cause`.
import { NotFoundError, SlipwayError } from '../errors.js';

export class ImageNotFound extends NotFoundError {
  constructor(readonly ref: string) { super('E_IMAGE_NOT_FOUND', `${ref} image not found`); }
}

export class ContainerNotFound extends NotFoundError {
  constructor(readonly container: string) { super('E_CONTAINER_NOT_FOUND', `container ${container} not found`); }
}

export class DockerUnavailable extends SlipwayError {
  constructor(readonly host: string, options?: { cause?: unknown }) {
    super('E_DOCKER_UNAVAILABLE', `Docker is not reachable at ${host}`, 1, options);
  }
}

/** A Dockerfile step failed; `step` is the build's last "Step N/M : …" line when there was one. */
export class BuildFailed extends SlipwayError {
  constructor(readonly reason: string, readonly step?: string) {
    super('E_BUILD_FAILED', step ? `image build failed at ${step}: ${reason}` : `image build failed: ${reason}`, 1);
  }
}

/** Anything else the engine refused; the message keeps the engine's own words. */
export class DockerError extends SlipwayError {
  constructor(action: string, readonly reason: string, options?: { cause?: unknown }) {
    super('E_DOCKER', `docker: ${action} failed: ${reason}`, 1, options);
  }
}

interface ModemError { statusCode?: number; code?: string; json?: { message?: string } | null; reason?: string; message?: string }

function asModemError(error: unknown): ModemError {
  return typeof error === 'object' && error !== null ? (error as ModemError) : {};
}

export function hasStatus(error: unknown, status: number): boolean {
  return asModemError(error).statusCode === status;
}

/** The engine answered with an HTTP error (as opposed to the connection failing). */
export function isEngineAnswer(error: unknown): boolean {
  return typeof asModemError(error).statusCode === 'number';
}

/** The engine's message (`No such image: x`) rather than docker-modem's `(HTTP code 404) …` wrapper. */
export function engineMessage(error: unknown): string {
  const e = asModemError(error);
  const text = e.json?.message ?? e.message ?? e.reason ?? String(error);
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** Turn a dockerode failure into a SlipwayError with context; SlipwayErrors pass through unchanged. */
export function dockerFailure(action: string, host: string, error: unknown): SlipwayError {
  if (error instanceof SlipwayError) return error;
  const code = asModemError(error).code;
  if (code !== undefined && UNREACHABLE.has(code)) return new DockerUnavailable(host, { cause: error });
  return new DockerError(action, engineMessage(error), { cause: error });
}
