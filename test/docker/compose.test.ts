// docker-compose.yml is checked by Debian's `docker-compose config` (which validates it against
// the compose schema without talking to an engine). .ci/run installs it; without it the suite is
// skipped with the reason.
import assert from 'node:assert/strict';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../helpers/server.js';

type Skippable = Mocha.Suite & { skipReason?: string };

/** Why docker-compose cannot run here, or undefined. */
async function composeProblem(): Promise<string | undefined> {
  const probe = await execa('docker-compose', ['version'], { reject: false });
  if (probe.exitCode === 0) return undefined;
  return 'docker-compose is not installed (.ci/run installs it: apt-get install -y docker-compose)';
}

describe('docker-compose.yml', function () {
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
