// The harness itself: a real 3-node swarm in network namespaces made by the test, a registry in
// the manager's namespace that every node pulls from, and a teardown that leaves nothing behind.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execa } from 'execa';
import { SwarmCluster, swarmProblem } from '../helpers/swarm-cluster.js';
import { skipSuite } from '../helpers/swarm-skip.js';

describe('swarm test harness (3 dockerd nodes in network namespaces)', function () {
  this.timeout(180_000);
  let cluster: SwarmCluster | undefined;

  before(async function () {
    const problem = await swarmProblem();
    if (problem) skipSuite(this, `cannot build a swarm here: ${problem}`);
    cluster = await SwarmCluster.start((line) => process.stdout.write(`      ${line}\n`));
  });

  after(async function () {
    await cluster?.stop();
  });

  it('forms a swarm of 3 Ready nodes (1 manager), each dockerd in its own namespace', async function () {
    const states = await cluster!.nodeStates();
    assert.deepEqual(Object.entries(states).sort(), cluster!.nodes.map((n) => [n.name, 'ready']));
    const { stdout } = await cluster!.docker(cluster!.manager, ['info', '--format', '{{.Swarm.ControlAvailable}} {{.Swarm.NodeAddr}}']);
    assert.equal(stdout.trim(), `true ${cluster!.manager.address}`);
    // The host's own namespace has none of the cluster's addresses.
    const host = await execa('ip', ['-o', 'addr'], { reject: false });
    assert.doesNotMatch(host.stdout, /10\.77\.0\./);
  });

  it('a worker pulls an image pushed to the registry in the manager namespace', async function () {
    const c = cluster!;
    const ref = `${c.registryAddress}/harness/base:1`;
    await c.docker(c.manager, ['tag', 'slipway/busybox:latest', ref]);
    await c.docker(c.manager, ['push', ref]);
    const pulled = await c.docker(c.nodes[2], ['pull', ref]);
    assert.match(pulled.stdout, /Downloaded newer image|Image is up to date/);
    const catalog = await c.curl(['-s', `http://${c.registryAddress}/v2/_catalog`], c.nodes[1]);
    assert.deepEqual(JSON.parse(catalog.stdout), { repositories: ['harness/base'] });
  });

  it('stop() leaves no process, namespace or directory behind', async function () {
    const c = cluster!;
    const pids = c.nodes.map((n) => n.launcher?.pid).filter((p): p is number => p !== undefined);
    await c.stop();
    cluster = undefined;
    for (const pid of pids) assert.equal(fs.existsSync(`/proc/${pid}`), false, `launcher ${pid} still runs`);
    const left = await execa('ip', ['netns', 'list'], { reject: false });
    assert.doesNotMatch(left.stdout, new RegExp(c.tag));
    assert.equal(fs.existsSync(c.root), false);
  });
});
