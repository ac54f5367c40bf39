// A stream that holds a plugin's stderr back until dispatch knows whether the plugin answered:
// released to the user when it did, dropped when it did not (a plugin that fails on a command it
// does not own must not print its error under someone else's command). Past `limit` bytes the
// plugin is clearly at work, so what was held is released and the rest passes straight through.
import { Writable } from 'node:stream';

export const HOLD_LIMIT_BYTES = 64 * 1024;

export class HeldOutput extends Writable {
  private held: Buffer[] = [];
  private bytes = 0;
  private passing = false;
  private dropped = false;

  constructor(private readonly target: Writable, private readonly limit = HOLD_LIMIT_BYTES) {
    super();
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (this.dropped) { done(); return; }
    if (this.passing) {
      if (this.target.write(data)) done();
      else this.target.once('drain', () => done());
      return;
    }
    this.held.push(data);
    this.bytes += data.length;
    if (this.bytes > this.limit) this.release();
    done();
  }

  /** Everything held goes to the target now, and what follows goes straight through. */
  release(): void {
    if (this.dropped) return;
    this.passing = true;
    for (const chunk of this.held) this.target.write(chunk);
    this.held = [];
  }

  /** Forget what was held and whatever still comes; true when nothing had been released. */
  drop(): boolean {
    this.dropped = true;
    this.held = [];
    return !this.passing;
  }
}
