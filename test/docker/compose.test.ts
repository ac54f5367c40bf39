// docker-compose.yml is checked by Debian's `docker-compose config` (which validates it against
// the compose schema without talking to an engine). Installed with apt-get when missing, as
// .ci/run does; the suite is skipped, with the reason, when it cannot be installed here.
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../helpers/server.js';

type Skippable = Mocha.Suite & { skipReason?: string };

async function hasCompose(): Promise<boolean> {
  return (await execa('docker-compose', ['version'], { reject: false })).exitCode === 0;
}

/** Why docker-compose is not available (after trying to install it), or undefined. */
async function composeProblem(): Promise<string | undefined> {
  if (await hasCompose()) return undefined;
  if (process.getuid?.() !== 0) return 'docker-compose is not installed and this is not root (apt-get install -y docker-compose)';
  if ((await execa('apt-get', ['--version'], { reject: false })).exitCode !== 0) return 'docker-compose is not installed and apt-get is not available';
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = await execa('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'docker-compose'], { env, reject: false });
  if (install.exitCode !== 0) {
    // The package lists may be missing on a fresh machine.
    await execa('apt-get', ['update', '-q'], { env, reject: false });
    install = await execa('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'docker-compose'], { env, reject: false });
  }
  if (install.exitCode !== 0 || !(await hasCompose())) {
    return `docker-compose could not be installed: ${install.stderr.trim().split('\n').at(-1) ?? `apt-get exited ${install.exitCode}`}`;
  }
  return undefined;
}

describe('docker-compose.yml', function () {
  this.timeout(600_000);

  before(async function () {
    const reason = await composeProblem();
    if (reason !== undefined) {
      const suite = this.test?.parent as Skippable | undefined;
      if (suite) suite.skipReason = reason;
      this.skip();
    }
  });

  it('is valid for docker-compose config, with the server image, host networking, its listen addresses and its data volume', async function () {
    const file = path.join(repoRoot, 'docker-compose.yml');
    const checked = await execa('docker-compose', ['-f', file, 'config'], { cwd: repoRoot, reject: false, env: { ...process.env, DOCKER_HOST: '' } });
    assert.equal(checked.exitCode, 0, checked.stderr);
    const config = checked.stdout;
    assert.match(config, /^ {2}slipway:$/m);
    assert.match(config, /^ {4}image: slipway\/server:latest$/m);
    // Host networking: the proxy inside must reach app containers published on the host's loopback.
    assert.match(config, /^ {4}network_mode: host$/m);
    for (const [name, port] of [['SSH', 2222], ['HTTP', 8080], ['GIT_HTTP', 8081]] as const) {
      assert.match(config, new RegExp(`SLIPWAY_${name}_LISTEN: 0\\.0\\.0\\.0:${port}$`, 'm'));
    }
    assert.match(config, /SLIPWAY_DOCKER_NETWORK: host$/m);
    assert.match(config, /^ {4}- slipway-data:\/var\/lib\/slipway:rw$/m);
  });
});
