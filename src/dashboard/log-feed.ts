// One follower per app log stream (app and process type) that pages show (GET /apps/APP/live/logs):
// the platform's log is followed once, each line is framed once and written to every page; a page
// that comes later first gets the last HISTORY lines, as `logs APP -t -n 100` would show it. The
// last page leaving stops the follower.
import type { Writable } from 'node:stream';
import type { AppPlatform } from '../deploy/types.js';
import type { AppName } from '../names.js';
import { reportError } from '../errors.js';
import { LineSplitter, cleanLine, eventFrame, type LivePage } from './live.js';

/** Lines a new page starts with (the `-n` of `logs -t`). */
export const HISTORY = 100;

export class LogFeed {
  private readonly pages = new Set<LivePage>();
  /** The frames of the last HISTORY lines, oldest first. */
  private readonly recent: string[] = [];
  private readonly stopping = new AbortController();
  private ended = false;

  constructor(platform: AppPlatform | undefined, app: AppName, type: string | undefined, private readonly onStop: () => void, log: (line: string) => void) {
    // Started after the first page was added (the constructor's caller adds it at once).
    Promise.resolve().then(async () => {
      if (!platform) throw new Error('no platform');
      await platform.logs(app, { lines: HISTORY, follow: true, type }, (line) => this.line(line), this.stopping.signal);
      this.end('Log ended');
    }).catch((error: unknown) => {
      const splitter = new LineSplitter((line) => this.line(line));
      const stderr = { write: (text: string) => { splitter.write(text); return true; } } as unknown as Pick<Writable, 'write'>;
      const code = reportError(error, stderr, (stack) => log(`dashboard: ${app}: logs: ${stack}`));
      splitter.end();
      this.end(`Logs unavailable (exit ${code})`);
    });
  }

  add(page: LivePage): void {
    for (const frame of this.recent) page.line(frame);
    this.pages.add(page);
  }

  remove(page: LivePage): void {
    if (!this.pages.delete(page) || this.pages.size) return;
    this.stop();
  }

  private stop(): void {
    if (this.stopping.signal.aborted) return;
    this.stopping.abort();
    this.onStop();
  }

  private line(raw: string): void {
    if (this.stopping.signal.aborted) return;
    const frame = eventFrame('message', cleanLine(raw));
    this.recent.push(frame);
    if (this.recent.length > HISTORY) this.recent.shift();
    for (const page of this.pages) page.line(frame);
  }

  /** The log ended (or could not be read): every page is told, and the next page starts a new follower. */
  private end(state: string): void {
    if (this.ended) return;
    this.ended = true;
    const pages = [...this.pages];
    this.pages.clear();
    this.stop();
    if (pages.length === 0) return;
    for (const page of pages) page.close(state);
  }
}
