// Test-only: with SLIPWAY_TEST_FAULTS=1 in the server's environment, the exec line `__fault KIND`
// makes its own session fail in a way nothing catches, to prove the server keeps serving others.
import { Writable } from 'node:stream';

const KINDS = ['throw', 'reject', 'stream'] as const;
type Kind = typeof KINDS[number];

/** The injected fault for this exec line, or undefined (always, unless the test switch is on). */
export function injectedFault(line: string | null, env: NodeJS.ProcessEnv = process.env): ((signal: AbortSignal) => Promise<number>) | undefined {
  if (env.SLIPWAY_TEST_FAULTS !== '1' || line === null) return undefined;
  const match = /^__fault (\S+)$/.exec(line);
  if (!match || !(KINDS as readonly string[]).includes(match[1])) return undefined;
  const kind = match[1] as Kind;
  return (signal) => {
    if (kind === 'throw') setTimeout(() => { throw new Error('injected fault: an exception nothing catches'); }, 10);
    else if (kind === 'reject') setTimeout(() => { void Promise.reject(new Error('injected fault: a rejection nothing handles')); }, 10);
    else {
      // A stream with no 'error' listener written after its end, its first write still pending.
      const stream = new Writable({ write() { /* never completes */ } });
      stream.write('x');
      stream.end();
      setTimeout(() => stream.write('y'), 10);
    }
    // The command itself never finishes: only the error boundary ends this session.
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(1), { once: true }));
  };
}
