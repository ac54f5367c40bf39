// The file an app process writes its stdout/stderr to (opened for append, so it outlives the
// server), read incrementally by the server. What was read is saved beside it (`.pos`), so the next
// server goes on where this one stopped; past a size cap it is cut back to empty (copytruncate:
// the writer's O_APPEND descriptor keeps writing at the new end).
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { isMissing } from '../os/missing.js';

/** Cut the file back to empty once this much of it was read. */
export const OUTPUT_CAP = 1024 * 1024;
/** At most this much is read per call, so a flood does not hold the event loop. */
const READ_MAX = 256 * 1024;

export class ProcessOutput {
  private fd?: number;
  private position?: number;
  private readonly decoder = new StringDecoder('utf8');

  constructor(readonly file: string) {}

  private get posFile(): string { return `${this.file}.pos`; }

  /** A descriptor for the process to write to (append); the caller closes it once it spawned. */
  openForWriter(): number {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    return fs.openSync(this.file, 'a', 0o640);
  }

  /** The text written since the last read ('' when nothing new, or the file is not there). */
  read(): string {
    if (this.fd === undefined) {
      try {
        this.fd = fs.openSync(this.file, 'r');
      } catch (error) {
        if (isMissing(error)) return '';
        throw error;
      }
      this.position = this.savedPosition();
    }
    const size = fs.fstatSync(this.fd).size;
    let position = this.position ?? 0;
    if (size < position) position = 0; // cut back by someone else
    const length = Math.min(size - position, READ_MAX);
    if (length <= 0) return '';
    const buffer = Buffer.alloc(length);
    const got = fs.readSync(this.fd, buffer, 0, length, position);
    position += got;
    const text = this.decoder.write(buffer.subarray(0, got));
    if (position >= OUTPUT_CAP && position === size) {
      fs.truncateSync(this.file, 0);
      position = 0;
    }
    this.position = position;
    this.savePosition();
    return text;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private savedPosition(): number {
    try {
      const value = Number(fs.readFileSync(this.posFile, 'utf8').trim());
      return Number.isSafeInteger(value) && value >= 0 ? value : 0;
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
  }

  private savePosition(): void {
    try {
      fs.writeFileSync(this.posFile, `${this.position ?? 0}\n`, { mode: 0o640 });
    } catch (error) {
      // The generation was just removed (its processes stopped): nothing left to go on from.
      if (!isMissing(error)) throw error;
    }
  }
}
