// The one owner of the data dir: every read and write of state goes through a Store.
// Commands, plugins and the deploy pipeline ask it; none of them touch the files directly.
import type { Settings } from '../settings.js';
import { Layout } from './layout.js';
import { ConfigStore } from './config-store.js';
import { PropertyStore } from './properties.js';
import { AppStore } from './app-store.js';
import { KeyStore } from './key-store.js';
import { ReleaseStore } from './release-store.js';
import { PsStore } from './ps-store.js';
import { DomainStore } from './domain-store.js';
import { LogStore } from './log-files.js';
import { ProcessRecordStore } from './process-records.js';
import { GitStore } from './git-store.js';
import { PluginStore } from './plugin-store.js';
import { AclStore } from './acl-store.js';
import { EventStore } from './event-store.js';
import { BuildStore } from './build-store.js';
import { DockerOptionsStore } from './docker-options-store.js';
import { CertStore } from './cert-store.js';
import { AcmeStore } from './acme-store.js';
import { PortMapStore } from './port-maps.js';
import { TraceStore } from './trace-store.js';
import { ProxySelectionStore } from './proxy-selection.js';
import { NginxFiles } from './nginx-files.js';
import { StorageEntryStore } from './storage-entry-store.js';

export { GLOBAL, type Scope, Layout } from './layout.js';
export type { EnvMap } from './env-file.js';
export { type StoredKey, type KeyFileView, type KeyLineProblem, ensureHostKey } from './key-store.js';
export type { ReleaseRecord, ReleaseStatus } from './release-store.js';
export { type Scale, parseScaleText, formatScale } from './ps-store.js';
export type { RotatingLog } from './log-files.js';
export { DEFAULT_LOG_MAX_SIZE, logMaxBytes } from './log-files.js';
export type { GenerationRecord, InstanceRecord } from './process-records.js';
export type { StoredToken } from './git-store.js';
export type { PluginOrigin } from './plugin-store.js';
export { type BuildRecord, type BuildKind, type BuildStatus, type BuildDisplayStatus, displayStatus, buildDuration, isBuildId } from './build-store.js';
export { DOCKER_OPTION_PHASES, type DockerOptionPhase } from './docker-options-store.js';
export type { CertPair } from './cert-store.js';
export { type IssuedRecord, isAcmeToken } from './acme-store.js';
export { PROXY_TYPES, DEFAULT_PROXY_TYPE, isProxyType, type ProxyType, type ProxySelection } from './proxy-selection.js';
export type { StorageEntry } from './storage-entry-store.js';
export { type PortMap, BARE, DEFAULT_CONTAINER_PORT, DEFAULT_PORT_MAP, formatPortMap, parsePortMaps, reusedSchemeHostPort } from './port-maps.js';

export class Store {
  readonly layout: Layout;
  readonly config: ConfigStore;
  readonly properties: PropertyStore;
  readonly apps: AppStore;
  readonly keys: KeyStore;
  readonly releases: ReleaseStore;
  readonly ps: PsStore;
  readonly domains: DomainStore;
  readonly logs: LogStore;
  readonly processes: ProcessRecordStore;
  readonly git: GitStore;
  readonly plugins: PluginStore;
  readonly acl: AclStore;
  readonly events: EventStore;
  readonly builds: BuildStore;
  readonly dockerOptions: DockerOptionsStore;
  readonly certs: CertStore;
  readonly acme: AcmeStore;
  readonly ports: PortMapStore;
  readonly trace: TraceStore;
  readonly proxy: ProxySelectionStore;
  readonly nginx: NginxFiles;
  readonly storage: StorageEntryStore;

  constructor(readonly settings: Settings) {
    this.layout = new Layout(settings);
    this.config = new ConfigStore(this.layout);
    this.properties = new PropertyStore(this.layout);
    this.apps = new AppStore(this.layout, this.properties);
    this.keys = new KeyStore(this.layout);
    this.releases = new ReleaseStore(this.layout);
    this.ps = new PsStore(this.properties);
    this.domains = new DomainStore(this.layout);
    this.logs = new LogStore(this.layout, this.properties);
    this.processes = new ProcessRecordStore(this.layout);
    this.git = new GitStore(this.layout);
    this.plugins = new PluginStore(this.layout);
    this.acl = new AclStore(this.layout, this.properties);
    this.events = new EventStore(this.layout);
    this.builds = new BuildStore(this.layout);
    this.dockerOptions = new DockerOptionsStore(this.layout, this.properties);
    this.certs = new CertStore(this.layout);
    this.acme = new AcmeStore(this.layout);
    this.ports = new PortMapStore(this.properties);
    this.trace = new TraceStore(this.layout, this.properties);
    this.proxy = new ProxySelectionStore(this.properties);
    this.nginx = new NginxFiles(this.layout);
    this.storage = new StorageEntryStore(this.layout);
  }
}
