// Server-sent events for live logs: a Writable the commands write to that never waits for the
// browser. Past MAX_QUEUED_BYTES unsent, lines are dropped and counted, and the page is told.
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type http from 'node:http';
import { baseHeaders } from './http.js';

/** Bytes waiting for one slow browser, at most (then lines are dropped). */
export const MAX_QUEUED_BYTES = 256 * 1024;
/** A line longer than this is cut (a build printing one huge line cannot grow the buffer). */
const MAX_LINE = 8 * 1024;

export function openEventStream(res: http.ServerResponse): void {
  res.writeHead(200, { ...baseHeaders(), 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
  res.write(': live\n\n');
}

/** Writes one named event; false when it was dropped (the browser is behind, or gone). */
export function sendEvent(res: http.ServerResponse, event: string, data: string): boolean {
  if (res.destroyed || res.writableEnded || res.writableLength > MAX_QUEUED_BYTES) return false;
  const body = data.split('\n').map((line) => `data: ${line}`).join('\n');
  res.write(event === 'message' ? `${body}\n\n` : `event: ${event}\n${body}\n\n`);
  return true;
}

/** Each output line becomes one `message` event; the producer's pace is never the browser's. */
export class EventLines extends Writable {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private dropped = 0;
  /** Lines dropped in total (for tests and the bench). */
  droppedTotal = 0;

  constructor(private readonly res: http.ServerResponse) {
    super();
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.take(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    this.take(this.decoder.end());
    if (this.partial) this.line(this.partial);
    this.partial = '';
    done();
  }

  private take(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE) { lines.push(this.partial); this.partial = ''; }
    for (const line of lines) this.line(line);
  }

  private line(raw: string): void {
    // Colour codes and carriage returns (progress bars) are for terminals.
    const line = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '').slice(0, MAX_LINE);
    if (this.dropped && sendEvent(this.res, 'dropped', String(this.dropped))) this.dropped = 0;
    if (this.dropped || !sendEvent(this.res, 'message', line)) {
      this.dropped++;
      this.droppedTotal++;
    }
  }
}
