// The hook variables that cross from the hook process to the server: git's quarantine paths
// (objects of a push in flight live there) and push options. Nothing else is forwarded.

export const QUARANTINE_VARS = ['GIT_QUARANTINE_PATH', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES'] as const;
export const MAX_PUSH_OPTIONS = 100;

export function hookGitEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  const names: string[] = [...QUARANTINE_VARS, 'GIT_PUSH_OPTION_COUNT'];
  const count = Number(env.GIT_PUSH_OPTION_COUNT ?? '0');
  for (let i = 0; Number.isInteger(count) && i < Math.min(count, MAX_PUSH_OPTIONS); i++) names.push(`GIT_PUSH_OPTION_${i}`);
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
