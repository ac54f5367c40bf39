// The labels that mark images and containers as Slipway's, and the filters that find them again.
// Everything Slipway creates carries `com.slipway.managed=true`, so cleanup never touches the rest.
export const LABEL = {
  managed: 'com.slipway.managed',
  app: 'com.slipway.app',
  process: 'com.slipway.process',
  release: 'com.slipway.release',
  oneOff: 'com.slipway.one-off',
  builder: 'com.slipway.builder',
  // Dokku's own names, so `docker images --filter label=com.dokku.app-name=APP` finds them too.
  dokkuApp: 'com.dokku.app-name',
  dokkuBuilder: 'com.dokku.builder-type',
  /** `build` for build stages and step images, `release` for the image a release runs. */
  imageStage: 'com.dokku.image-stage',
} as const;

export type Labels = Readonly<Record<string, string>>;

/** The caller's labels plus the managed marker. */
export function slipwayLabels(labels: Labels = {}): Record<string, string> {
  return { ...labels, [LABEL.managed]: 'true' };
}

/**
 * What every image built for an app carries, build stages included: the app (Slipway's and
 * Dokku's names), the builder, and the stage. Release images add their release number.
 */
export function appImageLabels(app: string, builder: string, stage: 'build' | 'release', release?: number): Record<string, string> {
  return slipwayLabels({
    [LABEL.app]: app, [LABEL.dokkuApp]: app, [LABEL.builder]: builder, [LABEL.dokkuBuilder]: builder, [LABEL.imageStage]: stage,
    ...(release === undefined ? {} : { [LABEL.release]: String(release) }),
  });
}

/** Docker's `label` filter: every pair must match; an empty value matches any value of that key. */
export function labelFilter(labels: Labels): { label: string[] } {
  return { label: Object.entries(labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`)) };
}
