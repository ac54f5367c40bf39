// Live logs never wait for the browser: a page that reads nothing holds at most MAX_QUEUED_BYTES
// (plus one line) on the server, the producer's writes complete at once, and once the page catches
// up it is told how many lines it missed before the next one.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { EventLines, MAX_QUEUED_BYTES } from '../../src/dashboard/live.js';

/** A response whose client reads nothing until drain() is called. */
function stalledResponse() {
  const chunks: string[] = [];
  const fake = {
    destroyed: false,
    writableEnded: false,
    writableLength: 0,
    write(chunk: string) { chunks.push(chunk); fake.writableLength += Buffer.byteLength(chunk); return false; },
    drain() { fake.writableLength = 0; },
    chunks,
  };
  return fake;
}

describe('dashboard live logs (server-sent events)', () => {
  it('a page that reads nothing never slows the writer and holds a bounded amount', async () => {
    const res = stalledResponse();
    const lines = new EventLines(res as unknown as http.ServerResponse);
    const line = `${'x'.repeat(199)}\n`;
    for (let i = 0; i < 50_000; i++) {
      // Every write completes although nothing was read (10 MB offered in all).
      await new Promise<void>((resolve, reject) => lines.write(line, (error) => (error ? reject(error) : resolve())));
    }
    assert.ok(res.writableLength <= MAX_QUEUED_BYTES + 8 * 1024, `queued ${res.writableLength} bytes`);
    assert.ok(lines.droppedTotal > 40_000, `dropped ${lines.droppedTotal}`);
    const sent = res.chunks.length;
    res.drain();
    lines.write('after the stall\n');
    assert.deepEqual(res.chunks.slice(sent), [`event: dropped\ndata: ${lines.droppedTotal}\n\n`, 'data: after the stall\n\n']);
  });

  it('sends whole lines (split across chunks and UTF-8 characters), without terminal colour codes', () => {
    const res = stalledResponse();
    const lines = new EventLines(res as unknown as http.ServerResponse);
    const text = Buffer.from('\x1b[32m-----> Build\x1b[0m ok\r\nnaïve ');
    lines.write(text.subarray(0, 25));
    lines.write(text.subarray(25));
    lines.end('line\n');
    assert.deepEqual(res.chunks, ['data: -----> Build ok\n\n', 'data: naïve line\n\n']);
  });

  it('one event per line, so no line can forge an event of its own', () => {
    const res = stalledResponse();
    const lines = new EventLines(res as unknown as http.ServerResponse);
    lines.write('event: done\ndata: succeeded\n\n');
    assert.deepEqual(res.chunks, ['data: event: done\n\n', 'data: data: succeeded\n\n', 'data: \n\n']);
  });
});
