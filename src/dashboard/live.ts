// Server-sent events for live pages: output is split into clean lines once (LineSplitter), framed
// once, and written to every page that follows it (LivePage) without ever waiting for a browser.
// Past MAX_QUEUED_BYTES unsent, a page's lines are dropped and counted, and the page is told.
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

/** One named event as it goes on the wire; each line of data its own `data:` field (no line can forge an event). */
export function eventFrame(event: string, data: string): string {
  const body = data.split('\n').map((line) => `data: ${line}`).join('\n');
  return event === 'message' ? `${body}\n\n` : `event: ${event}\n${body}\n\n`;
}

/** Writes one frame; false when it was dropped (the browser is behind, or gone). */
function writeFrame(res: http.ServerResponse, frame: string): boolean {
  if (res.destroyed || res.writableEnded || res.writableLength > MAX_QUEUED_BYTES) return false;
  res.write(frame);
  return true;
}

/** Writes one named event; false when it was dropped (the browser is behind, or gone). */
function sendEvent(res: http.ServerResponse, event: string, data: string): boolean {
  return writeFrame(res, eventFrame(event, data));
}

/** Terminal colour codes and carriage returns (progress bars) are for terminals; a huge line is cut. */
export function cleanLine(raw: string): string {
  return raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '').slice(0, MAX_LINE);
}

/** One browser's event stream. A frame is written at once or dropped; nothing here ever waits. */
export class LivePage {
  private dropped = 0;
  /** Lines dropped in total (for tests and the bench). */
  droppedTotal = 0;

  constructor(readonly res: http.ServerResponse) {}

  /** A log line's frame (eventFrame('message', …)): sent, or dropped and counted; the page hears how many before its next line. */
  line(frame: string): void {
    this.lines(frame, 1);
  }

  /**
   * count log lines' frames joined in one string (a LineBatch), written at once: all sent, or all
   * dropped and counted, as line() does for one.
   */
  lines(frames: string, count: number): void {
    if (this.dropped && writeFrame(this.res, eventFrame('dropped', String(this.dropped)))) this.dropped = 0;
    if (this.dropped || !writeFrame(this.res, frames)) {
      this.dropped += count;
      this.droppedTotal += count;
    }
  }

  /** A named event (build, done, state, a table); false when it was dropped. */
  event(name: string, data: string): boolean {
    return sendEvent(this.res, name, data);
  }

  /** A named event framed already (eventFrame(name, …), shared by every page); false when it was dropped. */
  frame(frame: string): boolean {
    return writeFrame(this.res, frame);
  }

  /** Says why in a last event, then ends the stream. */
  close(state?: string): void {
    if (state !== undefined) this.event('state', state);
    if (!this.res.writableEnded) this.res.end();
  }
}

/** Frames up to this many bytes make one write per page (one line longer than it is its own write). */
export const BATCH_BYTES = 16 * 1024;

/**
 * Log lines' frames gathered for one write per page instead of one per line: the feed adds the
 * lines of what it read, then sends the batch to every page (the same string to each). A batch
 * past BATCH_BYTES is sent at once, so a page that reads nothing holds at most MAX_QUEUED_BYTES
 * plus one batch.
 */
export class LineBatch {
  private frames: string[] = [];
  private bytes = 0;

  constructor(private readonly send: (frames: string, count: number) => void) {}

  add(line: string): void {
    const frame = eventFrame('message', line);
    this.frames.push(frame);
    this.bytes += frame.length;
    if (this.bytes >= BATCH_BYTES) this.flush();
  }

  /** Sends what was added since the last flush (nothing when nothing was). */
  flush(): void {
    if (!this.frames.length) return;
    const frames = this.frames;
    this.frames = [];
    this.bytes = 0;
    this.send(frames.length === 1 ? frames[0] : frames.join(''), frames.length);
  }
}

/** Bytes in, whole clean lines out (split across chunks and UTF-8 characters); one per followed output, shared by its pages. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer | string): void {
    this.take(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
  }

  /** The output ended: a last line without a newline is a line too. */
  end(): void {
    this.take(this.decoder.end());
    if (this.partial) this.onLine(cleanLine(this.partial));
    this.partial = '';
  }

  private take(text: string): void {
    if (!text) return;
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE) { lines.push(this.partial); this.partial = ''; }
    for (const line of lines) this.onLine(cleanLine(line));
  }
}
