// A real 3-node Docker Swarm on this machine, for the docker-swarm scheduler's tests (recipe and
// pitfalls: ../shared/swarm-in-netns.md). Each node is a dockerd in its own network namespace
// (veth onto a bridge that lives in a namespace of its own, private addresses only there), with
// its own data root, exec root, pidfile, socket and cgroup parent, started under nsenter+unshare
// (a plain `ip netns exec` hides the cgroup mounts). Debian's docker-registry serves images to
// every node from inside the manager's namespace; the base image is imported locally. Everything
// is torn down by pid and by namespace name. `why()` names what is missing when it cannot run.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { connect, type DockerClient } from '../../src/docker/index.js';
import { busyboxProblem, ensureBaseImage } from './docker-base.js';

export const SUBNET = '10.77.0';
export const REGISTRY_PORT = 5000;
const NODES = 3;
/** Read before anything here runs `ip netns add` (which creates and mounts /run/netns). */
const NETNS_DIR_EXISTED = fs.existsSync('/run/netns');

export interface SwarmNode {
  index: number;
  name: string;
  /** The network namespace (`/run/netns/NAME`). */
  netns: string;
  address: string;
  dir: string;
  socket: string;
  launcher?: ChildProcess;
}

/** Why a cluster cannot be made here, or undefined when it can. */
export async function swarmProblem(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces and dockerd need root';
  for (const tool of ['ip', 'nsenter', 'unshare', 'dockerd', 'docker', 'tini', 'docker-registry', 'curl']) {
    const found = await execa('sh', ['-c', `command -v ${tool}`], { reject: false });
    if (found.exitCode !== 0) return `${tool} is not installed (see .ci/run for the packages)`;
  }
  const busybox = await busyboxProblem();
  if (busybox) return busybox;
  const probe = `swp-probe-${process.pid}`;
  const added = await execa('ip', ['netns', 'add', probe], { reject: false });
  if (added.exitCode !== 0) return `cannot create a network namespace: ${added.stderr.trim()}`;
  await execa('ip', ['netns', 'del', probe], { reject: false });
  await removeNetnsDir();
  return undefined;
}

export class SwarmCluster {
  readonly nodes: SwarmNode[] = [];
  readonly bridgeNs: string;
  registry?: ChildProcess;
  /** Milliseconds from nothing to 3 Ready nodes, a registry and the base image. */
  startedInMs = 0;
  private readonly createdNetnsDir: boolean;
  private readonly hadXtablesLock: boolean;

  private constructor(readonly root: string, readonly tag: string) {
    this.bridgeNs = `${tag}-net`;
    this.createdNetnsDir = !NETNS_DIR_EXISTED;
    this.hadXtablesLock = fs.existsSync('/run/xtables.lock');
    for (let i = 1; i <= NODES; i++) {
      const dir = path.join(root, `n${i}`);
      this.nodes.push({ index: i, name: `${tag}-n${i}`, netns: `${tag}-n${i}`, address: `${SUBNET}.${i}`, dir, socket: path.join(dir, 'docker.sock') });
    }
  }

  get manager(): SwarmNode { return this.nodes[0]; }
  get registryAddress(): string { return `${this.manager.address}:${REGISTRY_PORT}`; }
  get dockerHost(): string { return `unix://${this.manager.socket}`; }
  client(node: SwarmNode = this.manager): DockerClient { return connect(`unix://${node.socket}`); }

  /** `nsenter --net=…` prefix: run a command inside a node's network namespace. */
  inNetns(node: SwarmNode = this.manager): string[] {
    return ['nsenter', `--net=/run/netns/${node.netns}`];
  }

  static async start(log: (line: string) => void = () => undefined): Promise<SwarmCluster> {
    const began = Date.now();
    // Short names: interface and namespace names are global to the machine.
    const tag = `swp${(process.pid % 100000).toString(36)}${Date.now().toString(36).slice(-3)}`;
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-swarm-'));
    const cluster = new SwarmCluster(root, tag);
    const steps: string[] = [];
    let mark = began;
    const step = (name: string) => { steps.push(`${name} ${Date.now() - mark} ms`); mark = Date.now(); };
    try {
      await cluster.network();
      step('namespaces');
      await Promise.all(cluster.nodes.map((n) => cluster.startNode(n)));
      step('dockerds');
      await cluster.formSwarm();
      step('swarm');
      await cluster.startRegistry();
      step('registry');
      await ensureBaseImage(cluster.client());
      step('base image');
      cluster.startedInMs = Date.now() - began;
      log(`swarm cluster up in ${cluster.startedInMs} ms (${steps.join(', ')})`);
      return cluster;
    } catch (error) {
      await cluster.stop().catch(() => undefined);
      throw error;
    }
  }

  private async network(): Promise<void> {
    await execa('ip', ['netns', 'add', this.bridgeNs]);
    await execa('ip', ['netns', 'exec', this.bridgeNs, 'sh', '-c', 'ip link add br0 type bridge && ip link set br0 up && ip link set lo up']);
    for (const node of this.nodes) {
      await execa('ip', ['netns', 'add', node.netns]);
      await execa('ip', ['netns', 'exec', this.bridgeNs, 'ip', 'link', 'add', `veth-n${node.index}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
      await execa('ip', ['netns', 'exec', this.bridgeNs, 'ip', 'link', 'set', `veth-n${node.index}`, 'master', 'br0', 'up']);
      await execa('ip', ['netns', 'exec', node.netns, 'sh', '-c', `ip link set lo up && ip addr add ${node.address}/24 dev eth0 && ip link set eth0 up`]);
    }
  }

  /** Start (or restart, same data root) a node's dockerd; resolves when it answers. */
  async startNode(node: SwarmNode): Promise<void> {
    const d = node.dir;
    fs.mkdirSync(path.join(d, 'data'), { recursive: true });
    fs.mkdirSync(path.join(d, 'exec'), { recursive: true });
    fs.mkdirSync(path.join(d, 'cg'), { recursive: true });
    fs.rmSync(path.join(d, 'docker.pid'), { force: true });
    fs.writeFileSync(path.join(d, 'daemon.json'), '{}\n');
    const script = [
      'set -e',
      `hostname ${node.name}`,
      `mount --rbind /sys/fs/cgroup ${d}/cg`, 'umount -l /sys', 'mount -t sysfs sysfs /sys', `mount --move ${d}/cg /sys/fs/cgroup`,
      `exec tini -- dockerd --data-root ${d}/data --exec-root ${d}/exec --pidfile ${d}/docker.pid --host unix://${node.socket}`
        + ` --config-file ${d}/daemon.json --cgroup-parent /${node.name} --dns ${this.manager.address}`
        + ` --insecure-registry ${this.registryAddress}`,
    ].join('\n');
    const logFd = fs.openSync(path.join(d, 'dockerd.log'), 'a');
    const launcher = spawn('nsenter', [
      `--net=/run/netns/${node.netns}`, 'unshare', '--mount', '--uts', '--pid', '--fork', '--kill-child', '--mount-proc', '--propagation', 'slave', 'sh', '-c', script,
    ], { detached: true, stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    node.launcher = launcher;
    const client = this.client(node);
    const deadline = Date.now() + 60_000;
    while (!(await client.ping(2_000))) {
      if (launcher.exitCode !== null || launcher.signalCode !== null) {
        throw new Error(`dockerd of ${node.name} exited:\n${fs.readFileSync(path.join(d, 'dockerd.log'), 'utf8').slice(-2000)}`);
      }
      if (Date.now() > deadline) throw new Error(`dockerd of ${node.name} did not answer within 60 s`);
      await sleep(100);
    }
  }

  docker(node: SwarmNode, args: string[]) {
    return execa('docker', ['-H', `unix://${node.socket}`, ...args]);
  }

  private async formSwarm(): Promise<void> {
    await this.docker(this.manager, ['swarm', 'init', '--advertise-addr', this.manager.address]);
    const token = (await this.docker(this.manager, ['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
    for (const node of this.nodes.slice(1)) {
      await this.docker(node, ['swarm', 'join', '--token', token, '--advertise-addr', node.address, `${this.manager.address}:2377`]);
    }
    await this.waitNodes(NODES, 60_000);
  }

  /** Node hostnames with their state (`ready`, `down`). */
  async nodeStates(): Promise<Record<string, string>> {
    const { stdout } = await this.docker(this.manager, ['node', 'ls', '--format', '{{.Hostname}} {{.Status}}']);
    return Object.fromEntries(stdout.trim().split('\n').filter(Boolean).map((l) => l.split(' ')).map(([h, s]) => [h, s.toLowerCase()]));
  }

  async waitNodes(ready: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await this.nodeStates();
      if (Object.values(states).filter((s) => s === 'ready').length >= ready) return;
      if (Date.now() > deadline) throw new Error(`swarm nodes not Ready: ${JSON.stringify(states)}`);
      await sleep(200);
    }
  }

  private async startRegistry(): Promise<void> {
    const dir = path.join(this.root, 'registry');
    fs.mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'config.yml');
    fs.writeFileSync(config, [
      'version: 0.1',
      'log:', '  level: warn',
      'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, '  delete:', '    enabled: true',
      'http:', `  addr: ${this.registryAddress}`,
      '',
    ].join('\n'));
    const logFd = fs.openSync(path.join(dir, 'registry.log'), 'a');
    this.registry = spawn('nsenter', [`--net=/run/netns/${this.manager.netns}`, 'docker-registry', 'serve', config], { stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const probe = await this.curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://${this.registryAddress}/v2/`]);
      if (probe.stdout === '200') return;
      if (this.registry.exitCode !== null) throw new Error(`docker-registry exited: ${fs.readFileSync(path.join(dir, 'registry.log'), 'utf8')}`);
      if (Date.now() > deadline) throw new Error('docker-registry did not answer within 30 s');
      await sleep(100);
    }
  }

  /** curl inside a node's namespace (test traffic never leaves the namespaces made here). */
  curl(args: string[], node: SwarmNode = this.manager, options: { strip?: boolean } = {}) {
    return execa(this.inNetns(node)[0], [...this.inNetns(node).slice(1), 'curl', '--max-time', '10', ...args], { reject: false, stripFinalNewline: options.strip ?? true });
  }

  /** A hard node crash: SIGKILL its launcher (the PID namespace takes dockerd and every container with it). */
  async crash(node: SwarmNode): Promise<void> {
    const launcher = node.launcher;
    launcher?.kill('SIGKILL');
    await this.ended(launcher, 10_000);
    node.launcher = undefined;
  }

  /** Graceful: SIGTERM the node's tini (dockerd stops its containers), SIGKILL after timeoutMs. */
  async stopNode(node: SwarmNode, timeoutMs = 20_000): Promise<void> {
    const launcher = node.launcher;
    if (!launcher?.pid || launcher.exitCode !== null || launcher.signalCode !== null) return;
    for (const child of childrenOf(launcher.pid)) {
      try { process.kill(child, 'SIGTERM'); } catch { /* gone already */ }
    }
    await this.ended(launcher, timeoutMs);
    node.launcher = undefined;
  }

  /** Wait for a process we started to exit; SIGKILL it if it has not after timeoutMs. */
  private async ended(proc: ChildProcess | undefined, timeoutMs: number): Promise<void> {
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  /** Tear down everything this cluster made: nodes, registry, namespaces, cgroups, files. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stopNode(n).catch(() => undefined)));
    if (this.registry && this.registry.exitCode === null && this.registry.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.registry!.once('exit', () => resolve()));
      this.registry.kill('SIGTERM');
      const timer = setTimeout(() => this.registry?.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    for (const ns of [...this.nodes.map((n) => n.netns), this.bridgeNs]) await execa('ip', ['netns', 'del', ns], { reject: false });
    for (const node of this.nodes) removeCgroups(node.name);
    if (this.createdNetnsDir) await removeNetnsDir();
    if (!this.hadXtablesLock) fs.rmSync('/run/xtables.lock', { force: true });
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Unmount and remove /run/netns when this module's caller made it and nobody else uses it now. */
async function removeNetnsDir(): Promise<void> {
  if (NETNS_DIR_EXISTED) return;
  try {
    if (fs.readdirSync('/run/netns').length > 0) return;
    await execa('umount', ['/run/netns'], { reject: false });
    fs.rmdirSync('/run/netns');
  } catch { /* gone already, or another user appeared: leave it */ }
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `rmdir` the node's cgroup directories depth-first, in every hierarchy (v1 and v2). */
function removeCgroups(name: string): void {
  const roots = ['/sys/fs/cgroup', ...fs.readdirSync('/sys/fs/cgroup').map((c) => path.join('/sys/fs/cgroup', c))];
  for (const root of roots) {
    const dir = path.join(root, name);
    if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) removeDepthFirst(dir);
  }
}

function removeDepthFirst(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeDepthFirst(path.join(dir, entry.name));
  }
  try { fs.rmdirSync(dir); } catch { /* still in use: leave it */ }
}
