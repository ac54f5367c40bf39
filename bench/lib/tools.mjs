// Anchors come from Debian packages (openssh-server, nginx-light, wrk). When one is missing the
// script tries `apt-get install` once (as root, BENCH_NO_INSTALL unset); otherwise the anchor
// is reported absent with the reason, never faked.
import { log, run, which } from './common.mjs';

const attempted = new Map();

/** Resolves { ok: true, path } or { ok: false, reason }. */
export async function ensureTool(bin, pkg) {
  const found = which(bin);
  if (found) return { ok: true, path: found };
  if (attempted.has(pkg)) return attempted.get(pkg);
  let outcome;
  if (process.env.BENCH_NO_INSTALL === '1') {
    outcome = { ok: false, reason: `${bin} not found and BENCH_NO_INSTALL=1 (install Debian package ${pkg})` };
  } else if (process.getuid?.() !== 0 || !which('apt-get')) {
    outcome = { ok: false, reason: `${bin} not found; cannot install Debian package ${pkg} (needs root and apt-get)` };
  } else {
    log(`installing Debian package ${pkg} for ${bin}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let result = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env, timeoutMs: 300_000 });
    if (result.code !== 0) {
      await run('apt-get', ['update', '-qq'], { env, timeoutMs: 300_000 });
      result = await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env, timeoutMs: 300_000 });
    }
    const after = which(bin);
    outcome = after ? { ok: true, path: after }
      : { ok: false, reason: `${bin} not found and \`apt-get install ${pkg}\` failed: ${(result.stderr || result.stdout).trim().split('\n').slice(-2).join(' ')}` };
  }
  attempted.set(pkg, outcome);
  return outcome;
}
