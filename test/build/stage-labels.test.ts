// 10.5: the Dockerfile rewrite that labels every build stage: a LABEL after each FROM (after its
// continuation lines), comments and directives respected, nothing else changed.
import assert from 'node:assert/strict';
import { labelStages } from '../../src/build/docker/stage-labels.js';

const LABELS = { 'com.slipway.app': 'web', 'com.dokku.image-stage': 'build' };
const LINE = 'LABEL "com.slipway.app"="web" "com.dokku.image-stage"="build"';
const IMAGE = { 'com.slipway.release': '3' };
const LAST = 'LABEL "com.slipway.release"="3"';

describe('10.5 stage labels (Dockerfile rewrite)', () => {
  it('adds the LABEL after every FROM of a multi-stage Dockerfile, nowhere else', () => {
    const text = 'FROM base AS one\nRUN make\n# FROM in a comment\nfrom base\nCOPY --from=one /a /a\nCMD ["sh"]\n';
    assert.equal(labelStages(text, LABELS, IMAGE),
      `FROM base AS one\n${LINE}\nRUN make\n# FROM in a comment\nfrom base\n${LINE}\nCOPY --from=one /a /a\nCMD ["sh"]\n${LAST}\n`);
  });

  it('waits for the end of a continued FROM, across comment lines inside it', () => {
    const text = 'FROM \\\n# a comment inside\n  base \\\n  AS one\nRUN true\n';
    assert.equal(labelStages(text, LABELS, IMAGE), `FROM \\\n# a comment inside\n  base \\\n  AS one\n${LINE}\nRUN true\n${LAST}\n`);
  });

  it('follows an escape directive: with ` as the escape, a trailing backslash continues nothing', () => {
    const text = '# escape=`\nFROM base `\n  AS one\nRUN echo \\\nFROM x\n';
    assert.equal(labelStages(text, LABELS, IMAGE), `# escape=\`\nFROM base \`\n  AS one\n${LINE}\nRUN echo \\\nFROM x\n${LINE}\n${LAST}\n`);
  });

  it('ends with the image\'s own LABEL, keeps CRLF line ends, adds a final newline when there was none', () => {
    assert.equal(labelStages('FROM base\r\nRUN true', LABELS, IMAGE), `FROM base\r\n${LINE}\r\nRUN true\r\n${LAST}\r\n`);
    assert.equal(labelStages('FROM base', LABELS, IMAGE), `FROM base\n${LINE}\n${LAST}\n`);
  });
});
