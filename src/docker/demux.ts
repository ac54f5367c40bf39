// Docker multiplexes a non-TTY container's stdout and stderr into one stream of framed chunks
// (8-byte header: stream type, 3 zero bytes, big-endian length). This undoes it, then splits lines.
import { LineSplitter } from '../os/lines.js';

export type StreamName = 'stdout' | 'stderr';
export interface Frame { stream: StreamName; data: Buffer }
export interface LogLine {
  stream: StreamName;
  text: string;
  /** RFC 3339 time the engine recorded, when the logs were asked for with timestamps. */
  time?: string;
}

const HEADER = 8;

/** Frames from a multiplexed stream; a stream that is not framed (a TTY) comes out as stdout. */
export async function* demuxFrames(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<Frame> {
  let pending: Buffer = Buffer.alloc(0);
  let raw = false;
  for await (const chunk of source) {
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (raw) { yield { stream: 'stdout', data }; continue; }
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    while (pending.length > 0) {
      const type = pending[0];
      const framed = type !== undefined && type <= 2 && pending.subarray(1, 4).every((b) => b === 0);
      if (!framed) {
        // Not Docker's framing: pass everything through untouched from here on.
        raw = true;
        yield { stream: 'stdout', data: pending };
        pending = Buffer.alloc(0);
        break;
      }
      if (pending.length < HEADER) break;
      const size = pending.readUInt32BE(4);
      if (pending.length < HEADER + size) break;
      const body = pending.subarray(HEADER, HEADER + size);
      pending = pending.subarray(HEADER + size);
      if (size > 0) yield { stream: type === 2 ? 'stderr' : 'stdout', data: body };
    }
  }
  if (pending.length > 0) yield { stream: 'stdout', data: pending };
}

/** Frames (or raw TTY output) as lines, each tagged with the stream it came from. */
export async function* frameLines(frames: AsyncIterable<Frame>): AsyncGenerator<LogLine> {
  const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  for await (const frame of frames) {
    for (const text of splitters[frame.stream].push(frame.data)) yield { stream: frame.stream, text };
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    for (const text of splitters[stream].flush()) yield { stream, text };
  }
}
