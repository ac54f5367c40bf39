// The ownership rule that keeps a broken plugin to its own commands (src/plugins/ownership.ts).
import assert from 'node:assert/strict';
import { dispatchPlan, namespaceOf } from '../../src/plugins/ownership.js';

const plugins = [
  { name: 'broken', commands: [] },
  { name: 'hello', commands: ['hello', 'hello:world'] },
  { name: 'dokku-notes-fork', commands: ['notes:add', 'notes:list'] },
  { name: 'notes', commands: [] },
  { name: 'steady', commands: ['steady:hi', 'hello:extra'] },
];
const names = (list: Array<{ name: string }>) => list.map((p) => p.name);

describe('plugin command ownership', () => {
  it('a namespace is the part before the colon, or the bare command', () => {
    assert.equal(namespaceOf('notes:add'), 'notes');
    assert.equal(namespaceOf('notes'), 'notes');
    assert.equal(namespaceOf('git:token:add'), 'git');
  });

  it('the plugin whose help lists the command comes first, then the namespace\'s other owners, then the rest', () => {
    const plan = dispatchPlan('hello:world', plugins);
    assert.deepEqual(names(plan.owners), ['hello', 'steady']);
    assert.deepEqual(names(plan.others), ['broken', 'dokku-notes-fork', 'notes']);
  });

  it('a plugin named like the namespace owns it even when its help says nothing (a broken plugin)', () => {
    assert.deepEqual(names(dispatchPlan('broken:anything', plugins).owners), ['broken']);
    assert.deepEqual(names(dispatchPlan('broken', plugins).owners), ['broken']);
  });

  it('a help line of a namespace makes its unlisted commands the plugin\'s own too', () => {
    assert.deepEqual(names(dispatchPlan('notes:secret', plugins).owners), ['dokku-notes-fork', 'notes']);
    assert.deepEqual(names(dispatchPlan('notes', plugins).owners), ['dokku-notes-fork', 'notes']);
  });

  it('an unknown command has no owner: every plugin is only a fall-through candidate', () => {
    const plan = dispatchPlan('frobnicate', plugins);
    assert.deepEqual(plan.owners, []);
    assert.deepEqual(names(plan.others), names(plugins));
  });
});
