// Serves an app's static site from a directory (native builder output): GET/HEAD only, index.html
// for directories, and nothing outside the directory, whatever the path encoding or symlinks say.
import { constants, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { contentType } from './mime.js';
import { messages, sendPage } from './pages.js';
import type { ErrorSink, StaticRoute } from './types.js';

export type SitePath =
  | { readonly ok: true; readonly segments: readonly string[]; readonly directory: boolean; readonly query: string }
  | { readonly ok: false; readonly status: 400 | 404 };

/**
 * Decodes a request target into plain path segments. Each segment is decoded on its own, so an
 * encoded "/" or "\" (or "..", "%2e%2e") can never become a separator or a parent step; hidden
 * names are refused because a built site may still carry .git or .env.
 */
export function sitePath(target: string): SitePath {
  const cut = target.search(/[?#]/);
  const pathname = cut === -1 ? target : target.slice(0, cut);
  if (!pathname.startsWith('/')) return { ok: false, status: 400 };
  const segments: string[] = [];
  for (const raw of pathname.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400 };
    }
    if (/[/\\\0]/.test(segment) || segment === '..' || (segment.startsWith('.') && segment !== '.well-known')) {
      return { ok: false, status: 404 };
    }
    segments.push(segment);
  }
  return { ok: true, segments, directory: pathname.endsWith('/'), query: cut === -1 ? '' : target.slice(cut) };
}

/** `file` is the requested path, not the symlink target: its name decides the content type. */
interface Opened { readonly file: string; readonly handle: FileHandle; readonly stat: Stats }

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EACCES', 'ENAMETOOLONG']);

/** Opens `candidate` only if its real path (all symlinks followed) is still inside `root`. */
async function openInside(root: string, candidate: string): Promise<Opened | undefined> {
  try {
    const real = await fs.realpath(candidate);
    const prefix = root.endsWith(path.sep) ? root : root + path.sep;
    if (real !== root && !real.startsWith(prefix)) return undefined;
    const handle = await fs.open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      return { file: candidate, handle, stat: await handle.stat() };
    } catch (error) {
      await handle.close();
      throw error;
    }
  } catch (error) {
    if (MISSING.has((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}

function notModified(req: IncomingMessage, etag: string, stat: Stats): boolean {
  const match = req.headers['if-none-match'];
  if (match !== undefined) return match.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*');
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  return !Number.isNaN(since) && Math.floor(stat.mtimeMs / 1000) * 1000 <= since;
}

export async function serveStatic(req: IncomingMessage, res: ServerResponse, route: StaticRoute, onError: ErrorSink): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendPage(res, 405, 'A static site answers GET and HEAD only', { Allow: 'GET, HEAD' });
    return;
  }
  const target = sitePath(req.url ?? '/');
  if (!target.ok) {
    sendPage(res, target.status, target.status === 400 ? messages.badRequest() : messages.notFound());
    return;
  }
  let root: string;
  try {
    root = await fs.realpath(route.dir);
  } catch {
    sendPage(res, 404, messages.notFound());
    return;
  }
  let opened = await openInside(root, path.join(root, ...target.segments));
  if (opened !== undefined && target.directory && !opened.stat.isDirectory()) {
    // "/style.css/" names a directory that does not exist, as it would for nginx.
    await opened.handle.close();
    opened = undefined;
  } else if (opened?.stat.isDirectory()) {
    await opened.handle.close();
    if (!target.directory) {
      // Relative links in index.html need the trailing slash; the location is rebuilt from the
      // decoded segments so "//other.host" can never turn into an open redirect.
      const location = `/${target.segments.map(encodeURIComponent).join('/')}/${target.query}`.replace(/^\/\/+/, '/');
      sendPage(res, 301, `Moved to ${location}`, { Location: location });
      return;
    }
    opened = await openInside(root, path.join(root, ...target.segments, 'index.html'));
  }
  if (opened === undefined) {
    sendPage(res, 404, messages.notFound());
    return;
  }
  const { file, handle, stat } = opened;
  if (!stat.isFile()) {
    await handle.close();
    sendPage(res, 404, messages.notFound());
    return;
  }
  const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const headers = { 'Last-Modified': stat.mtime.toUTCString(), ETag: etag, 'X-Content-Type-Options': 'nosniff' };
  if (notModified(req, etag, stat)) {
    await handle.close();
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': contentType(file), 'Content-Length': stat.size });
  if (req.method === 'HEAD') {
    await handle.close();
    res.end();
    return;
  }
  pipeline(handle.createReadStream(), res, (error) => {
    if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
      onError(error, `${route.app}: static file failed while streaming`);
    }
  });
}
