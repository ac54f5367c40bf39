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

/** The app's processes as the platform runs them, and the scale they should have. */
async function processesOf(services: Services, app: AppName): Promise<Pick<AppDetail, 'state' | 'processes' | 'release' | 'instances' | 'scale'>> {
  const platform = services.platform;
  const status = platform ? await platform.status(app) : { release: await services.store.releases.current(app), running: false, instances: [] as InstanceInfo[] };
  const scale = await services.store.ps.scale(app);
  const types = new Set([...Object.keys(status.release?.processTypes ?? {}), ...Object.keys(scale)]);
  const processes = [...types].sort().map((type) => {
    const mine = status.instances.filter((i) => i.type === type);
    return { type, running: mine.filter((i) => i.state === 'running').length, wanted: scale[type] ?? (type === 'web' ? 1 : 0), crashed: mine.filter((i) => i.state === 'crashed').length };
  });
  return { state: stateOf(status.instances, status.running, status.release), processes, release: status.release, instances: status.instances, scale };
}

async function summary(services: Services, app: AppName): Promise<AppSummary & { instances: InstanceInfo[]; scale: Scale; builds: AppDetail['builds'] }> {
  const builds = (await services.store.builds.list(app)).map((b) => ({ ...b, display: displayStatus(b) }));
  return { name: app, ...(await processesOf(services, app)), urls: await urlsOf(services, app), lastBuild: builds[0], builds };
}

/** What the live process and release tables show. No access check: the caller checks each page's key (mayUse). */
export type LiveTables = Pick<AppDetail, 'name' | 'state' | 'processes' | 'release' | 'instances' | 'scale' | 'releases'>;

/** The app's live tables, read once for every page that shows them; undefined when the app is gone. */
export async function liveTables(services: Services, app: AppName): Promise<LiveTables | undefined> {
  if (!(await services.store.apps.exists(app))) return undefined;
  const processes = await processesOf(services, app);
  return { name: app, ...processes, releases: [...(await services.store.releases.list(app))].reverse() };
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
