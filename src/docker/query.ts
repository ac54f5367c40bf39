// Options bound for the engine's query string: docker-modem sends an undefined value as `key=`,
// which the engine may read as an explicit empty setting, so left-out options are dropped here.
export function defined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
