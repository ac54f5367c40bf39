// The one safe way to write to a client (SSH channel, its stderr, an HTTP response, a control
// socket): a Writable that keeps backpressure while the client reads and drops data once it left.
import { Writable } from 'node:stream';

export interface ClientSinkOptions {
  /** Called once, when the client side is gone (closed, ended by the peer, or failed). */
  onGone?: (reason: string) => void;
  /** Written before the first chunk (e.g. HTTP headers), so an early error can still choose a status. */
  onFirstWrite?: () => void;
}

/**
 * A sink in front of a stream that belongs to a client. Nothing written to it can turn into an
 * 'error' event or a write after end on the client's stream: every error of that stream is
 * listened to, each write first checks that the stream is still open, a write waiting for
 * 'drain' is released when the client goes away, and the sink itself never ends or fails the
 * target (its owner ends the client stream). Once the client is gone, writes are dropped, and
 * pipes into the sink keep flowing so a child process is never blocked on a dead client.
 */
export class ClientSink extends Writable {
  private goneReason?: string;
  private released = false;
  private detached = false;
  private wroteFirst = false;
  private waiting?: () => void;
  private readonly targetListeners: Array<[string, (...args: unknown[]) => void]>;

  constructor(private readonly target: Writable, private readonly options: ClientSinkOptions = {}) {
    super({ decodeStrings: false });
    const onError = (error: unknown) => this.markGone(error instanceof Error ? error.message : String(error));
    const onClose = () => this.markGone('closed');
    const onFinish = () => this.markGone('ended');
    this.targetListeners = [['error', onError], ['close', onClose], ['finish', onFinish]];
    for (const [event, listener] of this.targetListeners) target.on(event, listener);
    // The sink's own 'error' can only come from a write after its own end() (a bug in a caller):
    // it is reported, never thrown at the process.
    this.on('error', (error) => process.stderr.write(`slipway: client stream: ${error.message}\n`));
  }

  /**
   * Writes after the owner closed the sink (late output of a command whose exit status was
   * already sent) are dropped instead of becoming a write-after-end error.
   */
  override write(chunk: unknown, encoding?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void): boolean {
    if (this.writableEnded || this.destroyed) {
      const done = typeof encoding === 'function' ? encoding : callback;
      if (done) process.nextTick(done, null);
      return false;
    }
    return super.write(chunk, encoding as BufferEncoding, callback);
  }

  /** Waits until everything written so far reached the client (or the client left), then releases. */
  async close(): Promise<void> {
    if (!this.writableEnded) this.end();
    await new Promise<void>((resolve) => {
      if (this.writableFinished || this.destroyed) { resolve(); return; }
      this.once('finish', () => resolve());
      this.once('close', () => resolve());
    });
    this.release();
  }

  /** The client is gone (or the owner released the sink): writes are dropped. */
  get gone(): boolean { return this.goneReason !== undefined || this.released; }

  /**
   * The owner is about to end the client stream itself: later writes are dropped silently
   * (a command's late output after its exit status was sent), without reporting the client gone.
   */
  release(): void {
    this.released = true;
    this.wake();
    this.detach();
  }

  private targetOpen(): boolean {
    const t = this.target;
    return !t.destroyed && !t.writableEnded && !t.writableFinished && t.writable !== false;
  }

  private markGone(reason: string): void {
    if (this.goneReason !== undefined || this.released) return;
    this.goneReason = reason;
    this.wake();
    this.options.onGone?.(reason);
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    for (const [event, listener] of this.targetListeners) this.target.off(event, listener);
    // Keep one listener: a late error of the client's stream (EPIPE, reset) is not ours to throw.
    this.target.on('error', () => undefined);
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.gone) { callback(); return; }
    if (!this.targetOpen()) { this.markGone('ended'); callback(); return; }
    if (!this.wroteFirst) {
      this.wroteFirst = true;
      this.options.onFirstWrite?.();
      if (!this.targetOpen()) { this.markGone('ended'); callback(); return; }
    }
    let flushed: boolean;
    try {
      flushed = typeof chunk === 'string' ? this.target.write(chunk, encoding) : this.target.write(chunk);
    } catch (error) {
      // ssh2 throws when its connection is already torn down: the client is gone.
      this.markGone(error instanceof Error ? error.message : String(error));
      callback();
      return;
    }
    if (flushed || this.gone) { callback(); return; }
    const onDrain = () => { this.target.off('drain', onDrain); this.waiting = undefined; callback(); };
    this.waiting = () => { this.target.off('drain', onDrain); callback(); };
    this.target.on('drain', onDrain);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // Ending the sink never ends the client's stream: its owner does that, once.
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.wake();
    this.detach();
    // An error a caller destroyed the sink with reaches the sink's own 'error' listener (logged).
    callback(error);
  }
}

export function clientSink(target: Writable, options: ClientSinkOptions = {}): ClientSink {
  return new ClientSink(target, options);
}
