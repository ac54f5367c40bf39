// `logs APP [-t]` for docker-local: each container's own log (the engine keeps it), merged by
// time into Slipway's line format `TIME app[web.1]: text`; with follow, new containers (a
// redeploy) are picked up as they appear, until the caller aborts.
import { setTimeout as sleep } from 'node:timers/promises';
import type { DockerClient, LogLine } from '../../docker/index.js';
import type { LogQuery } from '../types.js';

export interface LogSource { id: string; dyno: string }

interface Timed { key: string; line: string }

function matchesType(dyno: string, type: string | undefined): boolean {
  return type === undefined || dyno === type || dyno.startsWith(`${type}.`);
}

/** RFC 3339 with nanoseconds → a key that sorts as text (fraction padded to 9 digits). */
function sortKey(time: string | undefined): string {
  if (time === undefined) return '';
  const match = /^(.*?T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}` : time;
}

function format(source: LogSource, line: LogLine): string {
  const date = line.time === undefined ? new Date() : new Date(line.time);
  const stamp = Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
  return `${stamp} app[${source.dyno}]: ${line.text}`;
}

async function history(docker: DockerClient, sources: LogSource[], lines: number): Promise<Timed[]> {
  const all: Timed[] = [];
  await Promise.all(sources.map(async (source) => {
    try {
      const stream = await docker.containerLogs(source.id, { tail: lines, timestamps: true });
      for await (const line of stream) all.push({ key: sortKey(line.time), line: format(source, line) });
    } catch {
      // The container went away between listing and reading (a retiring generation): no history.
    }
  }));
  all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return lines <= 0 ? [] : all.slice(-lines);
}

export interface LogRequest {
  docker: DockerClient;
  /** The app's containers right now (asked again every second while following). */
  sources(): Promise<LogSource[]>;
  query: LogQuery;
  write(line: string): void;
  signal: AbortSignal;
  pollMs?: number;
}

export async function containerLogs(request: LogRequest): Promise<void> {
  const { docker, query, signal } = request;
  const pick = async (): Promise<LogSource[]> => (await request.sources()).filter((s) => matchesType(s.dyno, query.type));
  const initial = await pick();
  if (!query.follow) {
    for (const entry of await history(docker, initial, query.lines)) request.write(entry.line);
    return;
  }
  // Follow first and hold the new lines, so none falls between the history and the live stream.
  const followers = new Map<string, AsyncIterable<LogLine> & { destroy(): void }>();
  let live = false;
  const held: string[] = [];
  const emit = (line: string): void => { if (live) request.write(line); else held.push(line); };
  const follow = async (source: LogSource, fromStart: boolean): Promise<void> => {
    if (followers.has(source.id) || signal.aborted) return;
    let stream: AsyncIterable<LogLine> & { destroy(): void };
    try {
      stream = await docker.containerLogs(source.id, { follow: true, timestamps: true, ...(fromStart ? {} : { tail: 0 }) });
    } catch {
      return; // gone already
    }
    followers.set(source.id, stream);
    if (signal.aborted) stream.destroy();
    void (async () => {
      try {
        for await (const line of stream) emit(format(source, line));
      } catch {
        // The container was removed while we followed it: its stream just ends.
      }
    })();
  };
  try {
    await Promise.all(initial.map((s) => follow(s, false)));
    const past = await history(docker, initial, query.lines);
    for (const entry of past) request.write(entry.line);
    const seen = new Set(past.map((e) => e.line));
    for (const line of held) if (!seen.has(line)) request.write(line);
    held.length = 0;
    live = true;
    while (!signal.aborted) {
      await sleep(request.pollMs ?? 1_000, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      for (const source of await pick().catch(() => [])) await follow(source, true);
    }
  } finally {
    for (const stream of followers.values()) stream.destroy();
  }
}
