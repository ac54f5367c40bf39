// A Writable that hands complete lines to a callback: one-off command output (the release phase)
// becomes `       ` detail lines for the pusher.
import { Writable } from 'node:stream';

export function lineSink(onLine: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      const parts = (pending + chunk.toString()).split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) onLine(part);
      done();
    },
    final(done) {
      if (pending) onLine(pending);
      done();
    },
  });
}
