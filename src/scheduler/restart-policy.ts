// Dokku's ps restart-policy (Docker's words): `no`, `always`, `unless-stopped`, `on-failure` or
// `on-failure:N`. The process engine decides each exit by it; docker-local hands it to Docker.

export type RestartPolicy =
  | { kind: 'no' }
  | { kind: 'always' }
  | { kind: 'unless-stopped' }
  /** max 0: no limit (Docker's `on-failure` without a count). */
  | { kind: 'on-failure'; max: number };

/** Dokku's default (docker-local has always started containers with it). */
export const DEFAULT_RESTART_POLICY = 'on-failure:10';

/** The policy a text names, or undefined when it names none. */
export function parseRestartPolicy(text: string): RestartPolicy | undefined {
  if (text === 'no' || text === 'always' || text === 'unless-stopped') return { kind: text };
  const match = /^on-failure(?::(\d{1,9}))?$/.exec(text);
  if (!match) return undefined;
  return { kind: 'on-failure', max: match[1] === undefined ? 0 : Number(match[1]) };
}

/**
 * Whether a process that exited on its own starts again. `retries`: how many times it was already
 * started again since it was first started (Docker's RestartCount).
 */
export function restartsAfter(policy: RestartPolicy, exitCode: number | null, retries: number): boolean {
  switch (policy.kind) {
    case 'no': return false;
    case 'always':
    case 'unless-stopped': return true;
    case 'on-failure': return exitCode !== 0 && (policy.max === 0 || retries < policy.max);
  }
}
