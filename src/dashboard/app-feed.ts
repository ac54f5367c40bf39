// One feed per app whose page is open (GET /apps/APP/live/deploy, one per page): it follows the
// running build's log once — tails the file while the build runs — and writes each read's lines to
// every page in one write (the same string to each), and it renders and frames the process and
// release tables once per change the platform announces (src/deploy/activity.ts) and session.
// Nothing here waits for a browser; the last page leaving stops the feed.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Services } from '../services.js';
import type { Identity } from '../request-context.js';
import type { AppName } from '../names.js';
import type { AppActivity } from '../deploy/activity.js';
import { displayStatus } from '../store/index.js';
import { LineBatch, LineSplitter, eventFrame, type LivePage } from './live.js';
import { liveTables, mayUse } from './read.js';
import { processesBody, releasesBody, type Viewer } from './views.js';

/** How often the running build's log is read for new output. */
const TAIL_MS = 200;
/** How often the followed build's record is read too, in case its end was never announced. */
const RECHECK_MS = 5_000;
/** A deploy announces several changes in a row: they make one refresh of the tables. */
const SETTLE_MS = 100;
const READ_CHUNK = 64 * 1024;

/** A page that follows the app: its stream, and whose session it is (rights, CSRF token for the forms). */
export interface Follower { page: LivePage; identity: Identity; viewer: Viewer }

type TableName = 'processes' | 'releases';

interface PageState extends Follower {
  left: boolean;
  /** The tables last written to this page, and the newest rendered for it (event frames, shared by the pages of one session). */
  sent: Partial<Record<TableName, string>>;
  latest?: Record<TableName, string>;
  /** Set while a table waits for the page to drain (it was behind when the table changed). */
  waiting: boolean;
}

interface Following { id: string; file: string; offset: number; splitter: LineSplitter; batch: LineBatch; handle?: FileHandle }

export class AppFeed {
  private readonly pages = new Map<LivePage, PageState>();
  /** Pages that came while a build is followed: they get its lines so far before they join. */
  private joining: PageState[] = [];
  /** Builds announced as started, followed in turn (the deploy lock runs one at a time). */
  private readonly next: string[] = [];
  /** How announced builds ended. */
  private readonly ended = new Map<string, string>();
  private following?: Following;
  private stopped = false;
  private wake?: () => void;
  private tablesTimer?: NodeJS.Timeout;
  private tables: Promise<void> = Promise.resolve();

  constructor(private readonly services: Services, readonly app: AppName, private readonly onStop: () => void, private readonly log: (line: string) => void) {
    this.run().catch((error: unknown) => {
      this.log(`dashboard: ${app}: deploy feed: ${error instanceof Error ? error.message : String(error)}`);
      for (const state of [...this.pages.values(), ...this.joining]) state.page.close('Deploy log unavailable; reload the page');
      this.stop();
    });
  }

  get size(): number { return this.pages.size + this.joining.length; }

  add(follower: Follower): void {
    const state: PageState = { ...follower, left: false, sent: {}, waiting: false };
    if (this.following) {
      this.joining.push(state);
      this.wakeUp();
    } else {
      this.pages.set(follower.page, state);
    }
  }

  remove(page: LivePage): void {
    const state = this.pages.get(page) ?? this.joining.find((s) => s.page === page);
    if (!state || state.left) return;
    state.left = true;
    this.pages.delete(page);
    this.joining = this.joining.filter((s) => s !== state);
    if (this.size === 0) this.stop();
  }

  /** What the platform announced for this app. */
  activity(event: AppActivity): void {
    if (event.kind === 'build-started' && this.following?.id !== event.id && !this.next.includes(event.id)) this.next.push(event.id);
    if (event.kind === 'build-finished') this.ended.set(event.id, event.status);
    this.wakeUp();
    this.refreshSoon();
  }

  /** Render the tables again shortly (changes close together make one refresh). */
  refreshSoon(): void {
    if (this.tablesTimer || this.stopped) return;
    this.tablesTimer = setTimeout(() => {
      this.tablesTimer = undefined;
      this.tables = this.tables.then(() => this.refreshTables()).catch((error: Error) => this.log(`dashboard: ${this.app}: tables: ${error.message}`));
    }, SETTLE_MS);
  }

  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tablesTimer) clearTimeout(this.tablesTimer);
    this.tablesTimer = undefined;
    this.wakeUp();
    this.onStop();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits ms (or, without, until woken): an announcement or a new page wakes it early. */
  private pause(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { if (timer) clearTimeout(timer); resolve(); };
    });
  }

  private async run(): Promise<void> {
    // A build that was already running when the first page came.
    const running = (await this.services.store.builds.list(this.app)).find((b) => displayStatus(b) === 'running');
    if (running && !this.next.includes(running.id)) this.next.unshift(running.id);
    while (!this.stopped) {
      const id = this.next.shift();
      if (id === undefined) await this.pause();
      else await this.follow(id);
    }
  }

  private async follow(id: string): Promise<void> {
    // Each read's lines go to every page in one write (the same string to each).
    const batch = new LineBatch((frames, count) => this.broadcast(frames, count));
    const following: Following = {
      id,
      file: this.services.store.builds.logPath(this.app, id),
      offset: 0,
      splitter: new LineSplitter((line) => batch.add(line)),
      batch,
    };
    this.following = following;
    let status: string | undefined;
    try {
      await this.dropRefused();
      for (const state of this.pages.values()) state.page.event('build', id);
      let checked = Date.now();
      while (!this.stopped) {
        await this.admit(following);
        // Read before the tail: the end is announced after the log is closed, so this tail is the last.
        status = this.ended.get(id);
        await this.tail(following);
        if (status !== undefined) break;
        if (Date.now() - checked >= RECHECK_MS) {
          checked = Date.now();
          const record = await this.services.store.builds.read(this.app, id);
          if (!record || displayStatus(record) !== 'running') {
            await this.tail(following);
            status = record ? displayStatus(record) : 'gone';
            break;
          }
        }
        await this.pause(TAIL_MS);
      }
    } finally {
      this.following = undefined;
      this.ended.delete(id);
      await following.handle?.close();
    }
    if (this.stopped) return;
    following.splitter.end();
    following.batch.flush();
    for (const state of this.pages.values()) state.page.event('done', status ?? 'gone');
    // Pages that came during the last read: they saw the build end on their page already.
    for (const state of this.joining.splice(0)) if (!state.left) this.join(state);
  }

  private join(state: PageState): void {
    this.pages.set(state.page, state);
    this.sendTables(state);
  }

  /** New pages get the build's lines so far (read from its log), then join the others. */
  private async admit(following: Following): Promise<void> {
    if (!this.joining.length) return;
    const joining = this.joining.splice(0);
    for (const state of joining) state.page.event('build', following.id);
    if (following.offset > 0 && following.handle) {
      // Whole lines only: a last partial line reaches them with everyone's next read.
      const batch = new LineBatch((frames, count) => {
        for (const state of joining) if (!state.left) state.page.lines(frames, count);
      });
      const splitter = new LineSplitter((line) => batch.add(line));
      await this.read(following.handle, 0, following.offset, (chunk) => splitter.write(chunk));
      batch.flush();
    }
    for (const state of joining) if (!state.left && !this.stopped) this.join(state);
  }

  private broadcast(frames: string, count: number): void {
    for (const state of this.pages.values()) state.page.lines(frames, count);
  }

  /** Sends what was added to the build log since the last read to every page. */
  private async tail(following: Following): Promise<void> {
    if (!following.handle) {
      try {
        following.handle = await fs.promises.open(following.file, 'r');
      } catch (error) {
        // The build's log is created as it starts: not there yet, nothing to read yet.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
    }
    const size = (await following.handle.stat()).size;
    if (size <= following.offset) return;
    following.offset = await this.read(following.handle, following.offset, size, (chunk) => following.splitter.write(chunk));
    following.batch.flush();
  }

  private async read(handle: FileHandle, from: number, to: number, onChunk: (chunk: Buffer) => void): Promise<number> {
    const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, to - from));
    let at = from;
    while (at < to) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, to - at), at);
      if (bytesRead === 0) break;
      // The splitter decodes the bytes before the next read reuses the buffer.
      onChunk(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
    return at;
  }

  /** Pages whose key may no longer use the app (acl:remove, a user-auth-app plugin) are told and closed. */
  private async dropRefused(): Promise<void> {
    const answers = new Map<string, Promise<boolean>>();
    for (const state of [...this.pages.values(), ...this.joining]) {
      const key = state.identity.keyName;
      let answer = answers.get(key);
      if (!answer) answers.set(key, answer = mayUse(this.services, state.identity, this.app));
      if (!(await answer) && !state.left) {
        state.page.close('This app is no longer yours to see');
        this.remove(state.page);
      }
    }
  }

  /** Reads the tables once, renders and frames them once per session, and sends each page what changed. */
  private async refreshTables(): Promise<void> {
    if (this.stopped) return;
    const tables = await liveTables(this.services, this.app);
    if (!tables || this.stopped) return;
    await this.dropRefused();
    const rendered = new Map<string, Record<TableName, string>>();
    for (const state of [...this.pages.values(), ...this.joining]) {
      let framed = rendered.get(state.viewer.csrf);
      if (!framed) {
        framed = { processes: eventFrame('processes', processesBody(tables, state.viewer)), releases: eventFrame('releases', releasesBody(tables, state.viewer)) };
        rendered.set(state.viewer.csrf, framed);
      }
      state.latest = framed;
    }
    for (const state of this.pages.values()) this.sendTables(state);
  }

  /** A table the page missed while it was behind is sent once it caught up (each table is whole). */
  private sendTables(state: PageState): void {
    if (!state.latest || state.left) return;
    for (const name of ['processes', 'releases'] as const) {
      const frame = state.latest[name];
      if (state.sent[name] === frame) continue;
      if (state.page.frame(frame)) {
        state.sent[name] = frame;
      } else if (!state.waiting && !state.page.res.destroyed) {
        state.waiting = true;
        state.page.res.once('drain', () => { state.waiting = false; this.sendTables(state); });
      }
    }
  }
}
