// Dokku's docker options (`docker run`/`docker build` flags kept by docker-options:add) as shell
// words grouped one flag per option, and their one translation into create and build options.
// A flag Slipway cannot honour is refused with a one-line message that names it, never dropped.
import net from 'node:net';
import { split } from 'shlex';
import { SlipwayError } from '../errors.js';
import { LABEL, type Labels } from './labels.js';
import type { ContainerSpec, PortBinding, RestartPolicy, Ulimit } from './spec.js';

export type OptionPhase = 'build' | 'deploy' | 'run';
/** The network app containers are created on: links and published ports need a bridge. */
export type OptionNetwork = 'host' | 'bridge';

export class DockerOptionRefused extends SlipwayError {
  constructor(message: string) { super('E_DOCKER_OPTION', message, 1); }
}

/** What deploy- and run-phase options add to a container (ContainerSpec's names). */
export interface ContainerOptions {
  env: Record<string, string>;
  labels: Record<string, string>;
  binds: string[];
  ports: PortBinding[];
  links: string[];
  extraHosts: string[];
  ulimits: Ulimit[];
  memoryBytes?: number;
  nanoCpus?: number;
  shmSizeBytes?: number;
  restart?: RestartPolicy;
  user?: string;
  workdir?: string;
  init?: boolean;
}

/** What build-phase options add to an image build (BuildOptions' names). */
export interface BuildFlags {
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  networkMode?: 'host' | 'none' | 'default';
  noCache?: boolean;
}

// ---- shell words (Dokku's SplitOptionString: quotes split words, nothing is expanded) ----

/** The shell words of an option text; `$VAR`, `$(…)` and globs stay literal. */
export function optionWords(text: string): string[] {
  try {
    return split(text);
  } catch (error) {
    throw new DockerOptionRefused(`Unable to parse docker option: ${(error as Error).message}`);
  }
}

/** Characters after which Dokku single-quotes a word when it stores it (its needsShellQuoting). */
const NEEDS_QUOTES = /[ \t\n"'$`\\*?[\]<>|&;(){}!#~]/;

function quoteWord(word: string): string {
  if (word === '') return "''";
  return NEEDS_QUOTES.test(word) ? `'${word.replace(/'/g, "'\\''")}'` : word;
}

/** One option as Dokku stores it: its words, quoted only where a shell would need it. */
export function canonicalOption(words: readonly string[]): string {
  return words.map(quoteWord).join(' ');
}

const isFlag = (word: string): boolean => word.length > 1 && word.startsWith('-');

/** Words grouped on flag boundaries (`--build-arg X=Y --link a` → two groups), Dokku's way. */
export function groupOptionWords(words: readonly string[]): string[][] {
  const groups: string[][] = [];
  for (const word of words) {
    if (isFlag(word) || groups.length === 0) groups.push([word]);
    else groups[groups.length - 1].push(word);
  }
  return groups;
}

/** Stored options are equal when their words are (`--label 'a b'` is `--label "a b"`). */
export function sameOption(stored: string, wanted: string): boolean {
  if (stored === wanted) return true;
  try {
    const a = split(stored);
    const b = split(wanted);
    return a.length === b.length && a.every((w, i) => w === b[i]);
  } catch {
    return false; // a stored line that does not parse matches nothing but itself
  }
}

// ---- one option: its flag and value ----

interface Flag { name: string; value?: string; text: string }

/** `--name=value`, `--name value`, `-x value`, `-xvalue`; more than one value is refused. */
function readFlag(option: string, valued: (name: string) => boolean | undefined): Flag {
  const [head, ...rest] = optionWords(option);
  const text = option;
  if (head === undefined || !isFlag(head)) throw new DockerOptionRefused(`'${option}' is not a docker option (options start with -)`);
  let name = head;
  let value: string | undefined;
  const eq = head.indexOf('=');
  if (head.startsWith('--') && eq > 0) [name, value] = [head.slice(0, eq), head.slice(eq + 1)];
  else if (!head.startsWith('--') && head.length > 2 && valued(head.slice(0, 2))) [name, value] = [head.slice(0, 2), head.slice(2)];
  const takes = valued(name);
  if (takes === undefined) return { name, value, text };
  if (takes) {
    if (value === undefined) value = rest.shift();
    if (value === undefined) throw new DockerOptionRefused(`docker option '${option}' needs a value`);
  }
  if (rest.length > 0) throw new DockerOptionRefused(`docker option '${option}' has more than one value: add each flag on its own`);
  return { name, value, text };
}

// ---- values ----

const ENV_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LINK = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*(:[a-zA-Z0-9][a-zA-Z0-9_.-]*)?$/;
const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/;
const USER = /^[a-zA-Z0-9_][a-zA-Z0-9_.-]*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]*)?$/;
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const ULIMITS = new Set(['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack']);
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

function bad(flag: Flag, why: string): DockerOptionRefused {
  return new DockerOptionRefused(`docker option '${flag.text}': ${why}`);
}

/** `K=V` (a variable without `=` would be read from the server's own environment: refused). */
function keyValue(flag: Flag, what: string, check: (key: string) => boolean): [string, string] {
  const value = flag.value ?? '';
  const eq = value.indexOf('=');
  if (eq <= 0) throw bad(flag, `use ${what}=VALUE (Slipway never passes on its own environment)`);
  const key = value.slice(0, eq);
  if (!check(key) || value.includes('\0')) throw bad(flag, `${JSON.stringify(key)} is not a valid ${what}`);
  return [key, value.slice(eq + 1)];
}

/** Docker's RAMInBytes: `512m`, `1g`, `1024`, `2.5GiB`. */
function bytes(flag: Flag): number {
  const match = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i.exec(flag.value ?? '');
  const size = match === null ? NaN : Math.round(Number(match[1]) * UNITS[match[2].toLowerCase()]);
  if (!(size > 0) || !Number.isSafeInteger(size)) throw bad(flag, 'use a size such as 512m or 1g');
  return size;
}

function label(flag: Flag): [string, string] {
  const value = flag.value ?? '';
  const eq = value.indexOf('=');
  const [key, text] = eq === -1 ? [value, ''] : [value.slice(0, eq), value.slice(eq + 1)];
  if (key === '' || /[\0\n]/.test(value)) throw bad(flag, 'use KEY=VALUE');
  if (Object.values(LABEL).some((own) => key === own) || key.startsWith('com.slipway.')) {
    throw bad(flag, 'labels under com.slipway. are Slipway\'s own');
  }
  return [key, text];
}

function absolutePath(flag: Flag, value: string, what: string): string {
  if (!value.startsWith('/') || value.split('/').includes('..') || /[\0\n,]/.test(value)) throw bad(flag, `${what} must be an absolute path without '..'`);
  return value;
}

/** `/host:/container[:ro|rw]` or `volume:/container[:ro|rw]` (an anonymous volume is refused). */
function bind(flag: Flag): string {
  const parts = (flag.value ?? '').split(':');
  if (parts.length < 2 || parts.length > 3) throw bad(flag, 'use /host/path:/container/path[:ro] or volume-name:/container/path[:ro]');
  const [source, target, mode] = parts;
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw bad(flag, 'the mode must be ro or rw');
  if (source.startsWith('/')) absolutePath(flag, source, 'the host path');
  else if (!VOLUME_NAME.test(source)) throw bad(flag, `${JSON.stringify(source)} is neither an absolute host path nor a volume name`);
  if (absolutePath(flag, target, 'the container path') === '/') throw bad(flag, 'the container path must not be /');
  return flag.value ?? '';
}

function restart(flag: Flag): RestartPolicy {
  const value = flag.value ?? '';
  if (value === 'no' || value === 'always' || value === 'unless-stopped') return value;
  const match = /^on-failure(?::(\d+))?$/.exec(value);
  if (match === null) throw bad(flag, 'use no, always, unless-stopped or on-failure[:N]');
  return { onFailure: match[1] === undefined ? 0 : Number(match[1]) };
}

/** `[ip:]hostPort:containerPort[/tcp]`: one TCP port (no ranges). */
function publish(flag: Flag): PortBinding {
  const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+):(\d+)(?:\/tcp)?$/.exec(flag.value ?? '');
  const port = (text: string | undefined): number => (text === undefined ? NaN : Number(text));
  const [hostPort, containerPort] = [port(match?.[2]), port(match?.[3])];
  if (match === null || !(hostPort > 0 && hostPort < 65536 && containerPort > 0 && containerPort < 65536)) {
    throw bad(flag, 'use [ip:]hostPort:containerPort with one TCP port each');
  }
  const ip = (match[1] ?? '').replace(/^\[|\]$/g, '');
  if (ip !== '' && net.isIP(ip) === 0) throw bad(flag, `${ip} is not an IP address`);
  return { hostIp: ip, hostPort, containerPort };
}

function boolean(flag: Flag): boolean {
  if (flag.value === undefined || flag.value === 'true') return true;
  if (flag.value === 'false') return false;
  throw bad(flag, 'use true or false');
}

// ---- the flags honoured, per phase ----

type Apply<T> = (flag: Flag, into: T, network: OptionNetwork) => void;
interface FlagRule<T> { valued: boolean; apply: Apply<T> }

const CONTAINER_FLAGS: Record<string, FlagRule<ContainerOptions>> = {
  '--env': { valued: true, apply: (f, o) => { const [k, v] = keyValue(f, 'variable name', (k) => ENV_NAME.test(k)); o.env[k] = v; } },
  '--volume': { valued: true, apply: (f, o) => { o.binds.push(bind(f)); } },
  '--link': {
    valued: true,
    apply: (f, o, network) => {
      if (network !== 'bridge') throw bad(f, 'containers here use host networking (SLIPWAY_DOCKER_NETWORK=host, or an engine without a bridge network), and Docker links need a bridge network');
      if (!LINK.test(f.value ?? '')) throw bad(f, 'use container-name[:alias]');
      o.links.push(f.value ?? '');
    },
  },
  '--label': { valued: true, apply: (f, o) => { const [k, v] = label(f); o.labels[k] = v; } },
  '--memory': { valued: true, apply: (f, o) => { o.memoryBytes = bytes(f); } },
  '--shm-size': { valued: true, apply: (f, o) => { o.shmSizeBytes = bytes(f); } },
  '--cpus': {
    valued: true,
    apply: (f, o) => {
      const cpus = /^\d+(\.\d+)?$/.test(f.value ?? '') ? Number(f.value) : NaN;
      if (!(cpus > 0)) throw bad(f, 'use a number of CPUs such as 0.5 or 2');
      o.nanoCpus = Math.round(cpus * 1e9);
    },
  },
  '--restart': { valued: true, apply: (f, o) => { o.restart = restart(f); } },
  '--add-host': {
    valued: true,
    apply: (f, o) => {
      const value = f.value ?? '';
      const sep = /^[^:=]+[:=]/.exec(value)?.[0].length ?? 0;
      const [host, ip] = [value.slice(0, sep - 1), value.slice(sep)];
      if (sep === 0 || !HOSTNAME.test(host) || (ip !== 'host-gateway' && net.isIP(ip.replace(/^\[|\]$/g, '')) === 0)) throw bad(f, 'use hostname:ip');
      o.extraHosts.push(`${host}:${ip.replace(/^\[|\]$/g, '')}`);
    },
  },
  '--publish': {
    valued: true,
    apply: (f, o, network) => {
      if (network !== 'bridge') throw bad(f, 'containers here use host networking, where an app\'s ports are the host\'s and nothing is published');
      o.ports.push(publish(f));
    },
  },
  '--user': { valued: true, apply: (f, o) => { if (!USER.test(f.value ?? '')) throw bad(f, 'use name|uid[:group|gid]'); o.user = f.value; } },
  '--workdir': { valued: true, apply: (f, o) => { o.workdir = absolutePath(f, f.value ?? '', 'the working directory'); } },
  '--init': { valued: false, apply: (f, o) => { o.init = boolean(f); } },
  '--ulimit': {
    valued: true,
    apply: (f, o) => {
      const match = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(f.value ?? '');
      if (match === null || !ULIMITS.has(match[1])) throw bad(f, 'use name=soft[:hard] with a known limit (nofile, nproc, …)');
      const soft = Number(match[2]);
      o.ulimits.push({ name: match[1], soft, hard: match[3] === undefined ? soft : Number(match[3]) });
    },
  },
};
const CONTAINER_SHORT: Record<string, string> = { '-e': '--env', '-v': '--volume', '-l': '--label', '-m': '--memory', '-p': '--publish', '-u': '--user', '-w': '--workdir' };

const BUILD_FLAGS: Record<string, FlagRule<BuildFlags>> = {
  '--build-arg': { valued: true, apply: (f, o) => { const [k, v] = keyValue(f, 'build argument', (k) => ENV_NAME.test(k)); o.buildArgs[k] = v; } },
  '--label': {
    valued: true,
    apply: (f, o) => {
      const [k, v] = label(f);
      // The builder writes them into the Dockerfile (a LABEL line), where these would be read.
      if (/["\\`$]/.test(k + v)) throw bad(f, 'a build label is written into the Dockerfile: no quotes, backslashes, backquotes or $');
      o.labels[k] = v;
    },
  },
  '--network': {
    valued: true,
    apply: (f, o) => {
      const value = f.value === 'bridge' ? 'default' : f.value;
      if (value !== 'host' && value !== 'none' && value !== 'default') throw bad(f, 'builds run on host, none or default (bridge)');
      o.networkMode = value;
    },
  },
  '--no-cache': { valued: false, apply: (f, o) => { o.noCache = boolean(f); } },
  // A build has no links (`docker build` takes none); accepted and left out, as Dokku's builders do,
  // so a service plugin's `docker-options:add APP build,deploy,run "--link …"` is taken whole.
  '--link': { valued: true, apply: () => undefined },
};

/** The flags honoured in each phase, for messages and the README. */
export const HONOURED: Record<OptionPhase, string> = {
  build: '--build-arg, --label, --network, --no-cache (--link is accepted and left out: builds have no links)',
  deploy: '-e/--env, -v/--volume, --link, -l/--label, -m/--memory, --cpus, --shm-size, --ulimit, --restart, --add-host, -p/--publish, -u/--user, -w/--workdir, --init',
  run: '-e/--env, -v/--volume, --link, -l/--label, -m/--memory, --cpus, --shm-size, --ulimit, --add-host, -p/--publish, -u/--user, -w/--workdir, --init',
};

function rule<T>(phase: OptionPhase, flags: Record<string, FlagRule<T>>, short: Record<string, string>, option: string): [Flag, FlagRule<T>] {
  const full = (name: string): string => short[name] ?? name;
  const found = (name: string): FlagRule<T> | undefined => (phase === 'run' && full(name) === '--restart' ? undefined : flags[full(name)]);
  const flag = readFlag(option, (name) => found(name)?.valued);
  const chosen = found(flag.name);
  if (chosen === undefined) {
    const why = phase === 'run' && full(flag.name) === '--restart' ? ': one-off containers never restart' : '';
    throw new DockerOptionRefused(`Slipway cannot apply docker option '${option}' in the ${phase} phase${why} (honoured: ${HONOURED[phase]})`);
  }
  return [flag, chosen];
}

function emptyContainerOptions(): ContainerOptions {
  return { env: {}, labels: {}, binds: [], ports: [], links: [], extraHosts: [], ulimits: [] };
}

/** Deploy- or run-phase options as create options; refuses the first one it cannot honour. */
export function containerOptions(phase: 'deploy' | 'run', options: readonly string[], network: OptionNetwork): ContainerOptions {
  const into = emptyContainerOptions();
  for (const option of options) {
    const [flag, chosen] = rule(phase, CONTAINER_FLAGS, CONTAINER_SHORT, option);
    chosen.apply(flag, into, network);
  }
  return into;
}

/** Build-phase options as build options; refuses the first one it cannot honour. */
export function buildFlags(options: readonly string[]): BuildFlags {
  const into: BuildFlags = { buildArgs: {}, labels: {} };
  for (const option of options) {
    const [flag, chosen] = rule('build', BUILD_FLAGS, {}, option);
    chosen.apply(flag, into, 'host');
  }
  return into;
}

/** Refuses (with its message) the first option of `options` a phase cannot honour. */
export function checkOptions(phase: OptionPhase, options: readonly string[], network: OptionNetwork): void {
  if (phase === 'build') buildFlags(options);
  else containerOptions(phase, options, network);
}

/**
 * A container spec with the options applied: they win over the spec (restart, user, workdir,
 * init; their env over the spec's), except Slipway's own labels and the env names in `keep`.
 */
export function withContainerOptions(spec: ContainerSpec, options: ContainerOptions, keep: readonly string[] = []): ContainerSpec {
  const env: Record<string, string> = { ...spec.env, ...options.env };
  for (const name of keep) if (spec.env?.[name] !== undefined) env[name] = spec.env[name];
  const labels: Labels = { ...options.labels, ...spec.labels };
  const ports = [...(spec.ports ?? []), ...options.ports];
  return {
    ...spec,
    env,
    labels,
    binds: [...(spec.binds ?? []), ...options.binds],
    ports: ports.length === 0 ? undefined : ports,
    links: [...(spec.links ?? []), ...options.links],
    extraHosts: [...(spec.extraHosts ?? []), ...options.extraHosts],
    ulimits: [...(spec.ulimits ?? []), ...options.ulimits],
    memoryBytes: options.memoryBytes ?? spec.memoryBytes,
    nanoCpus: options.nanoCpus ?? spec.nanoCpus,
    shmSizeBytes: options.shmSizeBytes ?? spec.shmSizeBytes,
    restart: options.restart ?? spec.restart,
    user: options.user ?? spec.user,
    workdir: options.workdir ?? spec.workdir,
    init: options.init ?? spec.init,
  };
}
