// curl against a proxy on loopback: names resolved to 127.0.0.1 with --resolve (no DNS, the
// network rule), the response head and body split apart; and the suite skip when nginx is absent.
import { execa } from 'execa';
import { skipSuite } from './swarm-skip.js';

export interface CurlReply {
  /** curl's exit code (0 when a response arrived). */
  readonly code: number;
  /** The status line, e.g. `HTTP/1.1 200 OK`. */
  readonly status: string;
  readonly headers: string;
  readonly body: string;
}

/** `curl -sS -D - URL`, each `name:port` in `resolve` mapped to loopback. */
export async function curlLoopback(url: string, resolve: readonly string[], extra: readonly string[] = []): Promise<CurlReply> {
  const r = await execa('curl', ['-sS', '-D', '-', ...resolve.flatMap((name) => ['--resolve', `${name}:127.0.0.1`]), ...extra, url], { reject: false });
  const [headers, ...rest] = String(r.stdout).split('\r\n\r\n');
  return { code: r.exitCode ?? -1, status: headers.split('\r\n')[0] ?? '', headers, body: rest.join('\r\n\r\n') };
}

/** Skips the suite, with the reason, on a machine without nginx. */
export async function skipWithoutNginx(ctx: Mocha.Context): Promise<void> {
  const present = await execa('nginx', ['-v'], { reject: false }).then((r) => r.exitCode === 0, () => false);
  if (!present) skipSuite(ctx, 'nginx is not installed (.ci/run installs nginx-light)');
}
