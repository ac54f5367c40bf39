// Unit tests for Dokku's deploy-branch rule as planned over one push's ref updates.
import assert from 'node:assert/strict';
import { parseRefUpdate } from '../../src/git/refs.js';
import { computedDeployBranch, planPush } from '../../src/git/deploy-branch.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);
const push = (ref: string, newRev = B) => parseRefUpdate(A, newRev, ref);
const actions = (steps: ReturnType<typeof planPush>) => steps.map((s) => `${s.action}:${s.update.name}${s.action === 'skipped' ? `>${s.branch}` : ''}`);

describe('deploy-branch rule (Dokku ≥ 0.22.1)', () => {
  it('app setting, else global, else master', () => {
    assert.equal(computedDeployBranch({ app: 'x', global: 'y' }), 'x');
    assert.equal(computedDeployBranch({ app: '', global: 'y' }), 'y');
    assert.equal(computedDeployBranch({ app: '', global: '' }), 'master');
  });

  it('nothing set: master deploys, the first other ref is adopted, later ones are only stored', () => {
    const steps = planPush([push('refs/heads/master'), push('refs/heads/main'), push('refs/heads/dev')], { app: '', global: '' });
    assert.deepEqual(actions(steps), ['deploy:master', 'adopt:main', 'skipped:dev>main']);
  });

  it('a set branch deploys (as a branch or a same-named tag); others are stored with the branch to push to', () => {
    const steps = planPush([push('refs/heads/feature'), push('refs/tags/prod'), push('refs/heads/prod')], { app: 'prod', global: 'main' });
    assert.deepEqual(actions(steps), ['skipped:feature>prod', 'deploy:prod', 'deploy:prod']);
    assert.deepEqual(actions(planPush([push('refs/heads/feature')], { app: '', global: 'main' })), ['skipped:feature>main']);
  });

  it('deletions never adopt', () => {
    const steps = planPush([push('refs/heads/old', Z), push('refs/heads/new')], { app: '', global: '' });
    assert.deepEqual(actions(steps), ['deleted:old', 'adopt:new']);
  });
});
