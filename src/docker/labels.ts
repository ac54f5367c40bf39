// The labels that mark images and containers as Slipway's, and the filters that find them again.
// Everything Slipway creates carries `com.slipway.managed=true`, so cleanup never touches the rest.
export const LABEL = {
  managed: 'com.slipway.managed',
  app: 'com.slipway.app',
  process: 'com.slipway.process',
  release: 'com.slipway.release',
  oneOff: 'com.slipway.one-off',
} as const;

export type Labels = Readonly<Record<string, string>>;

/** The caller's labels plus the managed marker. */
export function slipwayLabels(labels: Labels = {}): Record<string, string> {
  return { ...labels, [LABEL.managed]: 'true' };
}

/** Docker's `label` filter: every pair must match; an empty value matches any value of that key. */
export function labelFilter(labels: Labels): { label: string[] } {
  return { label: Object.entries(labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`)) };
}
