// network:* on a real Docker Engine (docker-local, SLIPWAY_DOCKER_NETWORK=host) over real ssh and git:
// networks made by network:create (attachable bridges with Dokku's label; on this host-networking
// setup without a host address, so the host namespace never gets a private-range address, DESIGN.md),
// listed, inspected and destroyed as Dokku does; an app pushed with initial-network, attach-post-create
// and attach-post-deploy runs a container on all three (docker inspect), with Dokku's aliases; a
// network cannot be attached to a host-networked container, nor a missing one used.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { LABEL, type DockerClient } from '../../src/docker/index.js';
import { TestServer } from '../helpers/server.js';
import { appWork } from '../helpers/app-work.js';
import { ensureBaseImage } from '../helpers/docker-base.js';
import { TEST_RUN, dockerOrSkip, testLabels } from '../helpers/docker.js';

const APP = `netapp-${TEST_RUN}`.toLowerCase();
const NETS = ['first', 'second', 'late'].map((n) => `slipnet-${n}-${TEST_RUN}`.toLowerCase());
const [FIRST, SECOND, LATE] = NETS;

interface Endpoint { Aliases: string[] | null; IPAddress: string }
interface Inspected { HostConfig: { NetworkMode: string }; NetworkSettings: { Networks: Record<string, Endpoint> }; Config: { Labels: Record<string, string> } }

/** IPv4 addresses on the host's own interfaces (`ip -4 -o addr`), or undefined without the `ip` tool. */
async function hostAddresses(): Promise<string[] | undefined> {
  const r = await execa('ip', ['-4', '-o', 'addr', 'show'], { reject: false });
  if (r.exitCode !== 0) return undefined;
  return r.stdout.split('\n').map((l) => /inet (\S+)/.exec(l)?.[1] ?? '').filter((a) => a !== '');
}

describe('network:* on a real Docker Engine (docker-local, git push)', function () {
  this.timeout(300_000);
  let docker: DockerClient | undefined;
  let server: TestServer | undefined;

  const running = (): TestServer => {
    if (server === undefined) throw new Error('no server');
    return server;
  };
  const ssh = (args: string[], input?: string) => running().ssh(args, input === undefined ? {} : { input });
  const ok = async (args: string[]) => {
    const r = await ssh(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };

  before(async function () {
    docker = await dockerOrSkip(this);
    await ensureBaseImage(docker, testLabels());
    server = await TestServer.start({ env: { SLIPWAY_SCHEDULER: 'docker-local', SLIPWAY_DOCKER_NETWORK: 'host' } });
  });

  after(async function () {
    await server?.stop();
    if (docker === undefined || !(await docker.ping())) return;
    await docker.removeByLabels({ [LABEL.app]: APP });
    for (const name of NETS) if (await docker.findNetwork(name)) await docker.removeNetwork(name);
    await docker.removeByLabels(testLabels());
  });

  it('network:create makes an attachable, Dokku-labelled bridge that exists, info and list show', async () => {
    const before = await hostAddresses();
    for (const name of NETS) assert.equal((await ok(['network:create', name])).stdout, `-----> Creating network ${name}`);
    const again = await ssh(['network:create', FIRST]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`^ ! {5}Unable to create network: .*${FIRST}.*already exists`));

    const made = await docker!.findNetwork(FIRST);
    assert.equal(made?.driver, 'bridge');
    assert.equal(made?.labels['com.dokku.network-name'], FIRST);
    const after = await hostAddresses();
    if (before !== undefined) assert.deepEqual(after, before, 'no address was added to the host namespace');

    assert.equal((await ok(['network:exists', FIRST])).stdout, '-----> Network exists');
    const missing = await ssh(['network:exists', `nothing-${TEST_RUN}`.toLowerCase()]);
    assert.deepEqual([missing.code, missing.stderr], [1, ' !     Network does not exist']);

    const info = (await ok(['network:info', FIRST])).stdout.split('\n');
    assert.deepEqual(info, [
      `=====> ${FIRST} network information`,
      `       ID:             ${made?.id}`,
      `       Name:           ${FIRST}`,
      '       Driver:         bridge',
      '       Scope:          local',
      '       Dokku managed:  true',
    ]);
    const json = JSON.parse((await ok(['network:info', FIRST, '--format', 'json'])).stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['CreatedAt', 'DokkuManaged', 'Driver', 'ID', 'Internal', 'IPv6', 'Labels', 'Name', 'Scope']);
    assert.equal(json.DokkuManaged, true);

    const list = (await ok(['network:list'])).stdout.split('\n');
    assert.equal(list[0], '=====> Networks');
    for (const name of ['host', 'none', ...NETS]) assert.ok(list.includes(name), `${name} listed`);
    const managed = JSON.parse((await ok(['network:list', '--dokku-managed', '--format', 'json'])).stdout) as Array<{ Name: string; DokkuManaged: boolean }>;
    assert.ok(managed.every((n) => n.DokkuManaged), 'only Dokku-managed networks');
    for (const name of NETS) assert.ok(managed.some((n) => n.Name === name), `${name} in --dokku-managed`);
    assert.ok(!managed.some((n) => n.Name === 'host'));
    assert.equal((await ok(['--quiet', 'network:list', '--dokku-managed'])).stdout.split('\n').includes('=====> Networks'), false);
  });

  it('a pushed app runs on its initial network, joins attach-post-create and attach-post-deploy ones, with Dokku\'s aliases', async () => {
    await ok(['apps:create', APP]);
    await ok(['builder:set', APP, 'selected', 'dockerfile']);
    await ok(['ps:scale', APP, 'worker=1']);
    const work = await appWork(running(), {
      fixture: null,
      files: { 'Dockerfile': 'FROM slipway/busybox:latest\nCMD ["sleep", "3600"]\n', 'Procfile': 'worker: exec sleep 3600\n' },
    });

    // Host networking (this engine has no bridge): nothing can be attached to such a container.
    await ok(['network:set', APP, 'attach-post-create', SECOND]);
    const hostOnly = await work.push(APP);
    assert.notEqual(hostOnly.exitCode, 0);
    assert.match(String(hostOnly.stderr), new RegExp(`Cannot attach network ${SECOND}: the app's containers use host networking`));

    await ok(['network:set', APP, 'initial-network', `nothing-${TEST_RUN}`.toLowerCase()]);
    const missing = await work.push(APP);
    assert.notEqual(missing.exitCode, 0);
    assert.match(String(missing.stderr), new RegExp(`Network nothing-${TEST_RUN.toLowerCase()} does not exist`));

    await ok(['network:set', APP, 'initial-network', FIRST]);
    await ok(['network:set', APP, 'attach-post-deploy', LATE]);
    await ok(['network:set', APP, 'tld', 'svc.local']);
    const pushed = await work.push(APP);
    assert.equal(pushed.exitCode, 0, String(pushed.stderr));
    assert.match(String(pushed.stderr), new RegExp(`^remote: -----> Associating app with network ${LATE} *$`, 'm'));

    const [doc] = JSON.parse((await ok(['ps:inspect', APP])).stdout) as Inspected[];
    assert.ok(doc, 'one container');
    assert.equal(doc.Config.Labels[LABEL.process], 'worker');
    assert.equal(doc.HostConfig.NetworkMode, FIRST, 'created on the initial network');
    assert.deepEqual(Object.keys(doc.NetworkSettings.Networks).sort(), [...NETS].sort());
    const alias = `${APP}.worker.svc.local`;
    for (const name of NETS) assert.ok(doc.NetworkSettings.Networks[name]?.Aliases?.includes(alias), `${alias} on ${name}: ${JSON.stringify(doc.NetworkSettings.Networks[name])}`);
    assert.ok(doc.NetworkSettings.Networks[LATE]?.Aliases?.some((a) => a.endsWith(`.${alias}`) && a !== alias), 'and HOSTNAME.alias after deploy');

    // The alias resolves inside the network (Docker's embedded DNS, in the container's own namespace).
    const looked = await ssh(['enter', APP, 'worker', 'nslookup', alias]);
    assert.equal(looked.code, 0, looked.stderr);
    assert.match(looked.stdout, new RegExp(doc.NetworkSettings.Networks[FIRST]?.IPAddress.replace(/\./g, '\\.') ?? 'no address'));

    // A one-off `run` container: the initial network and the attach-post-create one.
    const run = await ssh(['run', APP, 'ls', '/sys/class/net']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.split(/\s+/).filter((n) => n !== 'lo').length, 2, `two interfaces: ${run.stdout}`);
  });

  it('network:destroy asks for the name unless --force, and the engine refuses a network in use', async () => {
    const wrong = await ssh(['network:destroy', LATE], 'nope\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^ ! {5}WARNING: Potentially Destructive Action\n ! {5}This command will destroy network /);
    assert.match(wrong.stderr, /Confirmation did not match .*Aborted\.$/);
    const inUse = await ssh(['network:destroy', '--force', LATE]);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /^ ! {5}Unable to destroy network: .*active endpoints/);

    await ok(['--force', 'apps:destroy', APP]);
    const typed = await ssh(['network:destroy', LATE], `${LATE}\n`);
    assert.equal(typed.code, 0, typed.stderr);
    assert.match(typed.stdout, new RegExp(`-----> Destroying network ${LATE}$`));
    assert.equal((await ok(['--force', 'network:destroy', SECOND])).stdout, `-----> Destroying network ${SECOND}`);
    assert.equal((await ok(['network:destroy', FIRST, '--force'])).stdout, `-----> Destroying network ${FIRST}`);
    for (const name of NETS) assert.equal(await docker!.findNetwork(name), undefined);
  });
});
