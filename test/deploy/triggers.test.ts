// Deploy triggers from a script plugin: their arguments, their output reaching the pusher, and a
// failing trigger stopping the deploy (post-deploy even switches traffic back).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Harness, Repo, get } from './helpers.js';

describe('deploy triggers', function () {
  this.timeout(120_000);
  let h: Harness;
  let calls: string;
  let failFlag: string;

  before(async () => {
    h = await Harness.start();
    calls = path.join(h.dir, 'calls.txt');
    failFlag = path.join(h.dir, 'fail-post-deploy');
    const plugin = path.join(h.services.settings.pluginPath, 'available', 'recorder');
    fs.mkdirSync(plugin, { recursive: true });
    for (const trigger of ['pre-receive-app', 'pre-build', 'post-build', 'pre-deploy', 'check-deploy', 'post-deploy', 'post-stop', 'post-domains-update']) {
      const fail = trigger === 'post-deploy' ? `[ -e '${failFlag}' ] && { echo "post-deploy says no"; exit 3; }\n` : '';
      fs.writeFileSync(path.join(plugin, trigger), `#!/bin/sh\necho "${trigger} $*" >> '${calls}'\n${fail}echo "hello from ${trigger}"\n`, { mode: 0o755 });
    }
    fs.mkdirSync(path.join(h.services.settings.pluginPath, 'enabled'), { recursive: true });
    fs.symlinkSync(plugin, path.join(h.services.settings.pluginPath, 'enabled', 'recorder'));
  });
  after(async () => { await h?.stop(); });

  it('fires pre-receive-app, pre-build, post-build, pre-deploy, check-deploy, post-deploy in order with their arguments', async () => {
    const app = await h.createApp('hooked');
    const repo = await Repo.from('node-app', h.dir);
    const output = await h.deploy(app, repo);
    assert.match(output, /^hello from pre-build$/m);
    const lines = fs.readFileSync(calls, 'utf8').trim().split('\n');
    const dir = h.services.store.layout.releaseDir(app, 1);
    const port = (await h.platform.control.status(app)).instances[0].port;
    const rev = repo.head;
    assert.deepEqual(lines, [
      `pre-receive-app hooked native ${dir} ${rev}`,
      `pre-build native hooked ${dir}`,
      `post-build native hooked ${dir}`,
      'pre-deploy hooked v1',
      `check-deploy hooked web.1 web ${port} 127.0.0.1`,
      `post-deploy hooked ${port} 127.0.0.1 v1`,
    ]);
  });

  it('fires post-stop after ps:stop and post-domains-update after domains changes', async () => {
    fs.writeFileSync(calls, '');
    assert.equal((await h.command(['domains:add', 'hooked', 'hooked.example.test'])).code, 0);
    assert.equal((await h.command(['domains:remove', 'hooked', 'hooked.example.test'])).code, 0);
    assert.equal((await h.command(['ps:stop', 'hooked'])).code, 0);
    assert.deepEqual(fs.readFileSync(calls, 'utf8').trim().split('\n'), [
      'post-domains-update hooked add hooked.example.test',
      'post-domains-update hooked remove hooked.example.test',
      'post-stop hooked',
    ]);
  });

  it('a failing post-deploy switches traffic back to the previous release', async () => {
    const app = await h.createApp('hooked2');
    const repo = await Repo.from('node-app', h.dir);
    await h.deploy(app, repo);
    fs.writeFileSync(failFlag, '');
    await repo.commit({ 'version.txt': 'v2\n' });
    await assert.rejects(h.deploy(app, repo), /post-deploy trigger of plugin recorder failed \(exit 3\)/);
    fs.rmSync(failFlag);
    assert.equal((await get(h.port, 'hooked2.localhost')).body, 'v1 web.1');
    assert.equal((await h.services.store.releases.current(app))?.version, 1);
  });
});
