// What the dashboard's pages show, read through the same store and platform interfaces the report
// commands use, for the apps the session's key may see (src/access/ decides; nothing else does).
import type { Services } from '../services.js';
import type { Identity } from '../request-context.js';
import type { AppName } from '../names.js';
import type { InstanceInfo } from '../scheduler/types.js';
import { displayStatus, type BuildDisplayStatus, type BuildRecord, type EnvMap, type ReleaseRecord, type Scale } from '../store/index.js';
import { mayAccessApp, visibleApps } from '../access/index.js';
import { urlsOf } from '../core/domains/urls.js';

export type AppState = 'running' | 'crashed' | 'starting' | 'stopped' | 'not deployed';

export interface AppSummary {
  name: AppName;
  state: AppState;
  /** Per process type: instances running / wanted, and how many crashed. */
  processes: Array<{ type: string; running: number; wanted: number; crashed: number }>;
  urls: string[];
  release?: ReleaseRecord;
  lastBuild?: BuildRecord & { display: BuildDisplayStatus };
}

export interface AppDetail extends AppSummary {
  instances: InstanceInfo[];
  scale: Scale;
  releases: ReleaseRecord[];
  config: EnvMap;
  domains: string[];
  hasCertificate: boolean;
  builds: Array<BuildRecord & { display: BuildDisplayStatus }>;
  /** The build running now, if any. */
  running?: string;
}

function stateOf(instances: InstanceInfo[], running: boolean, release: ReleaseRecord | undefined): AppState {
  if (!release) return 'not deployed';
  if (!running) return 'stopped';
  if (instances.some((i) => i.state === 'crashed')) return 'crashed';
  if (instances.some((i) => i.state === 'starting')) return 'starting';
  return 'running';
}

async function summary(services: Services, app: AppName): Promise<AppSummary & { instances: InstanceInfo[]; scale: Scale; builds: AppDetail['builds'] }> {
  const platform = services.platform;
  const status = platform ? await platform.status(app) : { release: await services.store.releases.current(app), running: false, instances: [] as InstanceInfo[] };
  const scale = await services.store.ps.scale(app);
  const types = new Set([...Object.keys(status.release?.processTypes ?? {}), ...Object.keys(scale)]);
  const processes = [...types].sort().map((type) => {
    const mine = status.instances.filter((i) => i.type === type);
    return { type, running: mine.filter((i) => i.state === 'running').length, wanted: scale[type] ?? (type === 'web' ? 1 : 0), crashed: mine.filter((i) => i.state === 'crashed').length };
  });
  const builds = (await services.store.builds.list(app)).map((b) => ({ ...b, display: displayStatus(b) }));
  return {
    name: app, state: stateOf(status.instances, status.running, status.release), processes, urls: await urlsOf(services, app),
    release: status.release, lastBuild: builds[0], instances: status.instances, scale, builds,
  };
}

/** Every app this identity may see, with its state. */
export async function appSummaries(services: Services, identity: Identity): Promise<AppSummary[]> {
  const apps: AppSummary[] = [];
  for (const app of await visibleApps(services, identity)) {
    if (await mayAccessApp(services, identity, app)) apps.push(await summary(services, app));
  }
  return apps;
}

/** One app in full; undefined when it does not exist or this identity may not use it (the same answer). */
export async function appDetail(services: Services, identity: Identity, app: AppName): Promise<AppDetail | undefined> {
  if (!(await services.store.apps.exists(app)) || !(await mayAccessApp(services, identity, app))) return undefined;
  const base = await summary(services, app);
  const releases = await services.store.releases.list(app);
  return {
    ...base,
    releases: [...releases].reverse(),
    config: await services.store.config.read(app),
    domains: await services.store.domains.app(app),
    hasCertificate: (await services.store.certs.get(app)) !== undefined,
    running: base.builds.find((b) => b.display === 'running')?.id,
  };
}

/** Whether this identity may use the app (for the live streams, before anything is read). */
export async function mayUse(services: Services, identity: Identity, app: AppName): Promise<boolean> {
  return (await services.store.apps.exists(app)) && mayAccessApp(services, identity, app);
}
