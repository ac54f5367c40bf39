// 12.3: the one trigger table: Dokku's whole catalogue, well-formed rows, argv in Dokku's order,
// the README's catalogue generated from it, and the core's registered answers all listed in it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot, loadSettings } from '../../src/settings.js';
import { NOT_APPLICABLE, TRIGGERS, argCount, triggerArgv, type TriggerSpec } from '../../src/plugins/trigger-table.js';
import { README_END, README_START, renderTriggerTable } from '../../src/plugins/trigger-doc.js';
import { boot } from '../../src/boot.js';

const table = TRIGGERS as Record<string, TriggerSpec>;

/** Answered by the core though not in Dokku's catalogue. */
const CORE_EXTRAS = ['apps-list'];

describe('trigger table', () => {
  it('12.3: holds every trigger of Dokku\'s catalogue once, each with a status and a reason', () => {
    assert.equal(Object.keys(table).length, 179);
    for (const [name, spec] of Object.entries(table)) {
      assert.match(name, /^[a-z0-9][a-z0-9-]*$/, name);
      assert.ok(spec.note.length > 0, name);
      if (spec.status === 'n/a') assert.ok(Object.hasOwn(NOT_APPLICABLE, spec.note), `${name}: ${spec.note} is not a NOT_APPLICABLE key`);
      if (spec.status === 'fired') assert.ok(spec.cwd, `${name} has no working directory`);
      spec.args.forEach((arg, i) => {
        assert.match(arg, /^(\[[A-Z_]+\]|\.\.\.[A-Z_]+|[A-Z_]+)$/, `${name}: ${arg}`);
        if (arg.startsWith('...')) assert.equal(i, spec.args.length - 1, `${name}: a rest argument comes last`);
        if (arg.startsWith('[') && spec.status === 'fired') assert.ok(spec.args.slice(i).every((a) => a.startsWith('[')), `${name}: optional arguments come last`);
      });
    }
  });

  it('12.3: fires the known-wrong and known-missing triggers with Dokku\'s arguments', () => {
    const dir = '/tmp/work';
    assert.deepEqual(triggerArgv('pre-build', { BUILDER_TYPE: 'dockerfile', APP: 'web', SOURCECODE_WORK_DIR: dir }), ['dockerfile', 'web', dir]);
    assert.deepEqual(triggerArgv('post-build', { BUILDER_TYPE: 'native', APP: 'web', SOURCECODE_WORK_DIR: dir }), ['native', 'web', dir]);
    const image = { BUILDER_TYPE: 'native', APP: 'web', SOURCECODE_WORK_DIR: dir, DOKKU_IMAGE: 'gliderlabs/herokuish:latest-24' };
    assert.deepEqual(triggerArgv('builder-create-dokku-image', image), ['native', 'web', dir, 'gliderlabs/herokuish:latest-24']);
    assert.deepEqual(triggerArgv('builder-dokku-image', image), ['native', 'web', dir, 'gliderlabs/herokuish:latest-24']);
    assert.deepEqual(triggerArgv('pre-start', { APP: 'web' }), ['web']);
    assert.deepEqual(triggerArgv('pre-restore', {}), []);
    assert.deepEqual(triggerArgv('post-app-rename-setup', { OLD_APP_NAME: 'a', NEW_APP_NAME: 'b' }), ['a', 'b']);
    assert.deepEqual(triggerArgv('post-app-clone-setup', { OLD_APP_NAME: 'a', NEW_APP_NAME: 'b' }), ['a', 'b']);
    assert.deepEqual(triggerArgv('user-auth', { SSH_USER: 'dokku', SSH_NAME: 'admin', DOKKU_COMMAND: 'config:set', ARGS: ['web', 'A=1'] }), ['dokku', 'admin', 'config:set', 'web', 'A=1']);
    assert.deepEqual(triggerArgv('receive-app', { APP: 'web' }), ['web']);
    assert.deepEqual(triggerArgv('receive-app', { APP: 'web', REV: 'abc' }), ['web', 'abc']);
    assert.deepEqual(triggerArgv('nginx-pre-reload', { APP: 'web', INTERNAL_PORT: '', INTERNAL_IP_ADDRESS: '' }), ['web', '', '']);
    assert.deepEqual(triggerArgv('nginx-app-template-source', { APP: 'web', TEMPLATE_TYPE: 'app-config' }), ['web', 'app-config']);
    assert.deepEqual(argCount(table['receive-app']), [1, 2]);
    assert.deepEqual(argCount(table['post-domains-update']), [2, Infinity]);
  });

  it('12.3: the README lists every trigger as the table says (regenerate: node scripts/trigger-table.mjs)', () => {
    const readme = fs.readFileSync(path.join(packageRoot, 'README.md'), 'utf8');
    const start = readme.indexOf(README_START);
    const end = readme.indexOf(README_END);
    assert.ok(start !== -1 && end > start, 'README.md has the trigger-table markers');
    assert.equal(readme.slice(start, end + README_END.length), renderTriggerTable(), 'README trigger table is stale: run `npx tsc -p tsconfig.json && node scripts/trigger-table.mjs`');
    for (const name of Object.keys(table)) assert.ok(readme.includes(`| \`${name}\` |`), name);
  });

  it('12.3: every trigger the core answers is a core (or fired) row, and every core row is answered', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-table-'));
    try {
      const { services } = boot(loadSettings({ SLIPWAY_HOME: home, SLIPWAY_KEYS_DIR: path.join(home, 'keys') }));
      const answered = services.plugins.coreTriggerNames();
      for (const name of answered) {
        if (CORE_EXTRAS.includes(name)) continue;
        const spec = table[name];
        assert.ok(spec, `the core answers ${name}, which is not in Dokku's catalogue: add it to CORE_EXTRAS with a reason`);
        assert.ok(spec.status !== 'n/a', `the core answers ${name}, but the table says n/a: mark it 'core' in src/plugins/trigger-table.ts`);
      }
      for (const [name, spec] of Object.entries(table)) {
        if (spec.status === 'core') assert.ok(answered.includes(name), `${name} is marked 'core' but nothing in the core answers it`);
      }
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
