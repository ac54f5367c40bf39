// The one line splitter (src/os/lines.ts): lines come out whole, a multi-byte UTF-8 character
// split across chunks or at a length cut is never broken, and an endless line is bounded.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { LineSplitter, eachLine, lineSink } from '../../src/os/lines.js';

describe('os/lines', () => {
  it('never splits a multi-byte character that straddles two chunks (every cut of the bytes)', () => {
    const text = 'héllo €uro 𝄞 clef\nsecond ✓ line\n';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const splitter = new LineSplitter();
      const lines = [...splitter.push(bytes.subarray(0, cut)), ...splitter.push(bytes.subarray(cut)), ...splitter.flush()];
      assert.deepEqual(lines, ['héllo €uro 𝄞 clef', 'second ✓ line'], `cut at byte ${cut}`);
    }
  });

  it('lineSink: a release command\'s output byte by byte still gives whole characters and lines', async () => {
    const lines: string[] = [];
    const sink = lineSink((line) => lines.push(line));
    for (const byte of Buffer.from('añb\r\n€\n𝄞 tail')) sink.write(Buffer.from([byte]));
    sink.end();
    await once(sink, 'finish');
    assert.deepEqual(lines, ['añb', '€', '𝄞 tail']);
  });

  it('eachLine cuts an endless line into bounded pieces without breaking a surrogate pair', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    eachLine(stream, (line) => lines.push(line), 5);
    stream.write(Buffer.from('abcd𝄞efgh'));
    stream.end(Buffer.from('\nok\n'));
    await once(stream, 'end');
    assert.deepEqual(lines, ['abcd', '𝄞efg', 'h', 'ok']);
    assert.equal(lines.join('').includes('\ufffd'), false);
  });
});
