// Signals a whole process group (children are spawned detached, as group leaders), so a
// request's plugin, git or app process never leaves descendants behind.

/** Signal every process in the group; false when the group no longer exists. */
export function signalGroup(pgid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (!pgid) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true; // exists, but not ours to signal: treat as alive
    throw error;
  }
}
