// Live pages never wait for the browser: output is split into clean lines once and framed once for
// every page; a page that reads nothing holds at most MAX_QUEUED_BYTES (plus one line) on the
// server, the other pages still get every line, and once it catches up it is told how many lines
// it missed before the next one. A feed's lines from one read go to each page in one write, the
// same string to every page. (test/dashboard/live.test.ts drives the same through a server.)
import assert from 'node:assert/strict';
import type http from 'node:http';
import { BATCH_BYTES, LineBatch, LineSplitter, LivePage, MAX_QUEUED_BYTES, eventFrame } from '../../src/dashboard/live.js';

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

/** A response whose client reads everything at once. */
function readingResponse() {
  const chunks: string[] = [];
  return { destroyed: false, writableEnded: false, writableLength: 0, write(chunk: string) { chunks.push(chunk); return true; }, chunks };
}

function pageOf(res: unknown): LivePage {
  return new LivePage(res as http.ServerResponse);
}

/** One splitter for the output, each line framed once and written to every page (what the feeds do). */
function fanOut(pages: LivePage[]): LineSplitter {
  return new LineSplitter((line) => {
    const frame = eventFrame('message', line);
    for (const page of pages) page.line(frame);
  });
}

describe('dashboard live lines (server-sent events)', () => {
  it('a page that reads nothing holds a bounded amount and never holds back the pages that read', () => {
    const stalled = stalledResponse();
    const reading = readingResponse();
    const slow = pageOf(stalled);
    const fast = pageOf(reading);
    const splitter = fanOut([slow, fast]);
    const line = `${'x'.repeat(199)}\n`;
    // 10 MB offered in all; every write returns at once although one page read nothing.
    for (let i = 0; i < 50_000; i++) splitter.write(Buffer.from(line));
    assert.ok(stalled.writableLength <= MAX_QUEUED_BYTES + 8 * 1024, `queued ${stalled.writableLength} bytes`);
    assert.ok(slow.droppedTotal > 40_000, `dropped ${slow.droppedTotal}`);
    assert.equal(reading.chunks.length, 50_000, 'the reading page got every line');
    assert.equal(fast.droppedTotal, 0);
    const sent = stalled.chunks.length;
    stalled.drain();
    splitter.write('after the stall\n');
    assert.deepEqual(stalled.chunks.slice(sent), [`event: dropped\ndata: ${slow.droppedTotal}\n\n`, 'data: after the stall\n\n']);
    assert.equal(reading.chunks.at(-1), 'data: after the stall\n\n');
  });

  it('sends whole lines (split across chunks and UTF-8 characters), without terminal colour codes', () => {
    const res = stalledResponse();
    const splitter = fanOut([pageOf(res)]);
    const text = Buffer.from('\x1b[32m-----> Build\x1b[0m ok\r\nnaïve ');
    splitter.write(text.subarray(0, 25));
    splitter.write(text.subarray(25));
    splitter.write('line');
    splitter.end();
    assert.deepEqual(res.chunks, ['data: -----> Build ok\n\n', 'data: naïve line\n\n']);
  });

  it('one event per line, so no line can forge an event of its own', () => {
    const res = stalledResponse();
    const splitter = fanOut([pageOf(res)]);
    splitter.write('event: done\ndata: succeeded\n\n');
    assert.deepEqual(res.chunks, ['data: event: done\n\n', 'data: data: succeeded\n\n', 'data: \n\n']);
    assert.equal(eventFrame('processes', '<p>a</p>\nevent: done'), 'event: processes\ndata: <p>a</p>\ndata: event: done\n\n');
  });

  it('the lines of one read reach each page in one write, the same string for every page, and a stalled page drops and counts them all', () => {
    const stalled = stalledResponse();
    const reading = [readingResponse(), readingResponse()];
    const slow = pageOf(stalled);
    const fast = reading.map(pageOf);
    const batch = new LineBatch((frames, count) => { for (const page of [slow, ...fast]) page.lines(frames, count); });
    const splitter = new LineSplitter((line) => batch.add(line));
    splitter.write('-----> one\n       two\n-----> three\n');
    batch.flush();
    batch.flush();
    for (const res of reading) assert.deepEqual(res.chunks, ['data: -----> one\n\ndata:        two\n\ndata: -----> three\n\n']);
    assert.equal(reading[0].chunks[0], reading[1].chunks[0]);
    // Much more than a batch at once: it goes out in writes of about BATCH_BYTES, every line once.
    const line = `${'y'.repeat(99)}\n`;
    splitter.write(line.repeat(5_000));
    batch.flush();
    const written = reading[0].chunks.slice(1);
    assert.ok(written.length > 1 && written.length < 5_000 / 10, `${written.length} writes`);
    assert.ok(written.every((c) => c.length <= BATCH_BYTES + eventFrame('message', line).length), 'no write much past BATCH_BYTES');
    assert.equal(written.join(''), eventFrame('message', 'y'.repeat(99)).repeat(5_000));
    // The stalled page held at most MAX_QUEUED_BYTES plus one batch, and counted every line it missed.
    assert.ok(stalled.writableLength <= MAX_QUEUED_BYTES + BATCH_BYTES + 200, `queued ${stalled.writableLength} bytes`);
    const queuedLines = stalled.chunks.join('').split('\n\n').length - 1;
    assert.equal(queuedLines + slow.droppedTotal, 5_003);
    assert.ok(slow.droppedTotal > 2_000, `dropped ${slow.droppedTotal}`);
    const sent = stalled.chunks.length;
    stalled.drain();
    splitter.write('after the stall\n');
    batch.flush();
    assert.deepEqual(stalled.chunks.slice(sent), [`event: dropped\ndata: ${slow.droppedTotal}\n\n`, 'data: after the stall\n\n']);
    assert.equal(fast[0].droppedTotal, 0);
  });
});
