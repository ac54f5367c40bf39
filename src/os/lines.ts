// The one line splitter: bytes or text in, complete lines out, never cutting a multi-byte UTF-8
// character (across chunks or at a length cut); used for child output, build logs, container logs.
import { StringDecoder } from 'node:string_decoder';
import { Writable, type Readable } from 'node:stream';

/** Longest line eachLine() hands on; a longer one (an endless line) is cut into pieces. */
export const MAX_LINE = 16 * 1024;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  /** maxLine bounds the partial line held (in UTF-16 units); unbounded by default. */
  constructor(private readonly maxLine = Infinity) {}

  /** The complete lines in this chunk (without their `\n` or `\r\n`). */
  push(chunk: Buffer | string): string[] {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    const lines = parts.map(stripCr);
    while (this.partial.length > this.maxLine) {
      const cut = safeCut(this.partial, this.maxLine);
      lines.push(this.partial.slice(0, cut));
      this.partial = this.partial.slice(cut);
    }
    return lines;
  }

  /** What is left at the end of the stream, as a last line when it is not empty. */
  flush(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest === '' ? [] : [stripCr(rest)];
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** A cut at `at` that does not separate a surrogate pair (one character outside the BMP). */
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

/** Calls onLine for each line of a child's output stream (bounded), the last partial line at its end. */
export function eachLine(stream: Readable, onLine: (line: string) => void, maxLine = MAX_LINE): void {
  const splitter = new LineSplitter(maxLine);
  stream.on('data', (chunk: Buffer | string) => { for (const line of splitter.push(chunk)) onLine(line); });
  stream.on('end', () => { for (const line of splitter.flush()) onLine(line); });
}

/** A Writable that hands complete lines to onLine (e.g. a release command's output as detail lines). */
export function lineSink(onLine: (line: string) => void, maxLine = MAX_LINE): Writable {
  const splitter = new LineSplitter(maxLine);
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      for (const line of splitter.push(chunk)) onLine(line);
      done();
    },
    final(done) {
      for (const line of splitter.flush()) onLine(line);
      done();
    },
  });
}
