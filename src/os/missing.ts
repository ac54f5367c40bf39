// "The file is not there" is an answer; any other failure (EACCES, EIO, ELOOP, …) is an error that
// must reach the caller. Every read that treats a missing file or directory as a value uses these.
/** ENOENT, or ENOTDIR (a path that runs through a file): nothing exists at the path. */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The promise's value, or `fallback` when it failed only because the path does not exist. */
export async function unlessMissing<T, F>(promise: Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await promise;
  } catch (error) {
    if (isMissing(error)) return fallback;
    throw error;
  }
}

