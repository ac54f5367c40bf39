// An incremental, strict HTTP/1.1 response parser for the proxy's upstream connections (RFC 9112):
// the status line and header fields of each response, then its body framed by Content-Length,
// chunked coding or the connection's end. Body bytes are handed on as slices of the chunks read,
// never copied or buffered. Anything ambiguous (conflicting lengths, folded or malformed fields,
// bad chunk sizes) is an error: the connection is then dropped, never reused out of step.

/** RFC 9110 §5.6.2 token characters: a field name is one token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters a head may not hold besides CR and LF (tabs are allowed): checked once per head. */
const CONTROL = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[\t ]*(?:;.*)?$/;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/** Largest response head (status line and fields), as undici and Node's http module default to. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** Longest chunk-size line (with extensions) or trailer section. */
const MAX_LINE_BYTES = 4 * 1024;

export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** Field names and values in wire order, alternating, as latin1 strings. */
  readonly headers: string[];
  /** Whether the connection may carry another request once this response is complete. */
  readonly keepAlive: boolean;
  /** Seconds from `Keep-Alive: timeout=N`, if the upstream announced it. */
  readonly keepAliveSeconds: number | undefined;
  /** Body bytes when Content-Length frames the body, else -1 (chunked, until the close, or none). */
  readonly bodyLength: number;
}

export interface ResponseEvents {
  /** A final (non-1xx) response head. */
  onHead(head: ResponseHead): void;
  /** Body bytes (without any chunk framing). */
  onBody(chunk: Buffer): void;
  /** The response ended; any bytes after it belong to no request. */
  onEnd(): void;
}

export class ResponseParseError extends Error {
  readonly code = 'E_UPSTREAM_RESPONSE';
}

const enum State { Head, Length, ChunkSize, ChunkData, ChunkEnd, Trailers, UntilClose, Done }

export class ResponseParser {
  private state = State.Done;
  private pending: Buffer | undefined;
  private remaining = 0;
  private noBody = false;
  private keepAlive = false;
  private trailerBytes = 0;

  constructor(private readonly events: ResponseEvents) {}

  /** Expects the response to a new request; HEAD responses have no body whatever they announce. */
  expect(method: string): void {
    this.state = State.Head;
    this.pending = undefined;
    this.noBody = method === 'HEAD';
  }

  /** Whether a response is under way (a head byte or more was read and it has not ended). */
  get busy(): boolean {
    return this.state !== State.Done && !(this.state === State.Head && this.pending === undefined);
  }

  private get complete(): boolean {
    return this.state === State.Done;
  }

  /** Whether the connection may be reused after the response that just ended. */
  get reusable(): boolean {
    return this.state === State.Done && this.keepAlive;
  }

  /** Reads bytes from the upstream; throws ResponseParseError on a malformed response. */
  execute(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      switch (this.state) {
        case State.Done:
          throw new ResponseParseError('the upstream sent bytes after its response');
        case State.Head:
          data = this.readHead(data);
          break;
        case State.Length:
          data = this.readCounted(data, State.Done);
          break;
        case State.ChunkSize:
          data = this.readChunkSize(data);
          break;
        case State.ChunkData:
          data = this.readCounted(data, State.ChunkEnd);
          break;
        case State.ChunkEnd:
          data = this.readChunkEnd(data);
          break;
        case State.Trailers:
          data = this.readTrailers(data);
          break;
        case State.UntilClose:
          this.events.onBody(data);
          data = data.subarray(data.length);
          break;
      }
      // (A read: the readers above may have moved the state on.)
      if (this.complete) {
        // Bytes after a complete response answer no request: the connection is out of step.
        if (data.length > 0) this.keepAlive = false;
        this.events.onEnd();
        return;
      }
    }
  }

  /**
   * The upstream closed the connection. A body framed by the close ends here; anything else
   * cut short is an error (the caller tells a response never begun from one cut mid-way by `busy`).
   */
  finish(): boolean {
    if (this.state !== State.UntilClose) return false;
    this.state = State.Done;
    this.keepAlive = false;
    this.events.onEnd();
    return true;
  }

  /** Hands on up to `remaining` body bytes (the whole read when it fits, uncopied); `then` once they are all in. */
  private readCounted(data: Buffer, then: State): Buffer {
    const take = Math.min(this.remaining, data.length);
    this.remaining -= take;
    if (this.remaining === 0) this.state = then;
    if (take === data.length) {
      this.events.onBody(data);
      return data.subarray(take);
    }
    this.events.onBody(data.subarray(0, take));
    return data.subarray(take);
  }

  private join(data: Buffer): Buffer {
    const all = this.pending === undefined ? data : Buffer.concat([this.pending, data]);
    this.pending = undefined;
    return all;
  }

  private readHead(data: Buffer): Buffer {
    const all = this.join(data);
    // A head split across reads: look again only at the bytes that could complete the terminator.
    const end = all.indexOf(HEAD_END);
    if (end === -1) {
      if (all.length > MAX_HEAD_BYTES) throw new ResponseParseError(`the response head is larger than ${MAX_HEAD_BYTES} bytes`);
      this.pending = all;
      return all.subarray(all.length);
    }
    if (end > MAX_HEAD_BYTES) throw new ResponseParseError(`the response head is larger than ${MAX_HEAD_BYTES} bytes`);
    const rest = all.subarray(end + 4);
    this.parseHead(all.toString('latin1', 0, end));
    return rest;
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n');
    // Once split at CRLF, any CR or LF left is a bare one.
    const control = CONTROL.exec(text);
    if (control !== null) throw new ResponseParseError(`invalid characters in the response head (byte ${control.index})`);
    const status = STATUS_LINE.exec(lines[0]);
    if (status === null) throw new ResponseParseError(`unreadable status line: ${JSON.stringify(lines[0].slice(0, 80))}`);
    const code = Number(status[2]);
    const headers: string[] = [];
    let length = -1;
    let chunked = false;
    let encoded = false;
    let close = status[1] === '0';
    let keepAliveSeconds: number | undefined;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (line.indexOf('\n') !== -1 || line.indexOf('\r') !== -1) throw new ResponseParseError('invalid characters in the response head (a bare CR or LF)');
      const colon = line.indexOf(':');
      if (colon <= 0) throw new ResponseParseError(`unreadable header line: ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon);
      if (!TOKEN.test(name)) throw new ResponseParseError(`invalid header name: ${JSON.stringify(name.slice(0, 80))}`);
      const value = trimmed(line, colon + 1);
      headers.push(name, value);
      switch (name.length) {
        case 10: {
          const lower = name.toLowerCase();
          if (lower === 'connection') {
            if (value === 'keep-alive' || value === 'Keep-Alive') {
              if (status[1] === '0') close = false;
              break;
            }
            const tokens = value.toLowerCase().split(',').map((t) => t.trim());
            if (tokens.includes('close')) close = true;
            else if (status[1] === '0' && tokens.includes('keep-alive')) close = false;
          } else if (lower === 'keep-alive') {
            keepAliveSeconds = keepAliveTimeout(value);
          }
          break;
        }
        case 14:
          if (name.toLowerCase() === 'content-length') length = contentLength(value, length);
          break;
        case 17:
          if (name.toLowerCase() === 'transfer-encoding') {
            encoded = true;
            const codings = value.toLowerCase().split(',').map((t) => t.trim()).filter((t) => t !== '');
            // Only a final `chunked` frames the body; chunked anywhere else is a framing error.
            chunked = codings[codings.length - 1] === 'chunked';
            if (codings.slice(0, -1).includes('chunked')) throw new ResponseParseError('chunked is not the last transfer coding');
          }
          break;
        default:
          break;
      }
    }
    if (code < 200) {
      // 1xx (100 Continue, 103 Early Hints): informational, the final response follows.
      if (code === 101) throw new ResponseParseError('101 Switching Protocols to a request that asked for no upgrade');
      this.state = State.Head;
      return;
    }
    // RFC 9112 §6.3: a message with both is a smuggling attempt or a broken sender: never reused.
    if (encoded && length !== -1) close = true;
    this.keepAlive = !close;
    const noBody = this.noBody || code === 204 || code === 304;
    const bodyLength = noBody || encoded ? -1 : length;
    this.events.onHead({ status: code, statusText: status[3] ?? '', headers, keepAlive: !close, keepAliveSeconds, bodyLength });
    if (noBody) {
      this.state = State.Done;
    } else if (encoded) {
      if (chunked) this.state = State.ChunkSize;
      else {
        this.state = State.UntilClose;
        this.keepAlive = false;
      }
    } else if (length === 0) {
      this.state = State.Done;
    } else if (length > 0) {
      this.state = State.Length;
      this.remaining = length;
    } else {
      this.state = State.UntilClose;
      this.keepAlive = false;
    }
  }

  /** A line ending in CRLF, or undefined (the partial line kept) when the data ends first. */
  private readLine(data: Buffer): { line: string; rest: Buffer } | undefined {
    const all = this.join(data);
    const end = all.indexOf(CRLF);
    if (end === -1) {
      if (all.length > MAX_LINE_BYTES) throw new ResponseParseError('a chunk-size line is too long');
      this.pending = all;
      return undefined;
    }
    if (end > MAX_LINE_BYTES) throw new ResponseParseError('a chunk-size line is too long');
    return { line: all.toString('latin1', 0, end), rest: all.subarray(end + 2) };
  }

  private readChunkSize(data: Buffer): Buffer {
    const read = this.readLine(data);
    if (read === undefined) return data.subarray(data.length);
    const size = CHUNK_SIZE.exec(read.line);
    if (size === null) throw new ResponseParseError(`invalid chunk size: ${JSON.stringify(read.line.slice(0, 40))}`);
    this.remaining = parseInt(size[1], 16);
    this.state = this.remaining === 0 ? State.Trailers : State.ChunkData;
    this.trailerBytes = 0;
    return read.rest;
  }

  private readChunkEnd(data: Buffer): Buffer {
    const all = this.join(data);
    if (all.length < 2) {
      if (all[0] !== 0x0d) throw new ResponseParseError('a chunk is longer than its size');
      this.pending = all;
      return all.subarray(all.length);
    }
    if (all[0] !== 0x0d || all[1] !== 0x0a) throw new ResponseParseError('a chunk is longer than its size');
    this.state = State.ChunkSize;
    return all.subarray(2);
  }

  /** Trailer fields are read and dropped (the client's response has none); an empty line ends them. */
  private readTrailers(data: Buffer): Buffer {
    let rest = data;
    for (;;) {
      const read = this.readLine(rest);
      if (read === undefined) return rest.subarray(rest.length);
      this.trailerBytes += read.line.length + 2;
      if (this.trailerBytes > MAX_HEAD_BYTES) throw new ResponseParseError('the trailer section is too large');
      rest = read.rest;
      if (read.line === '') {
        this.state = State.Done;
        return rest;
      }
      if (read.line.indexOf(':') <= 0) throw new ResponseParseError('unreadable trailer line');
    }
  }
}

let lastKeepAlive = '';
let lastKeepAliveSeconds: number | undefined;
/** Seconds from a Keep-Alive value (`timeout=5, max=100`); an upstream sends the same value every time, so the last is kept. */
function keepAliveTimeout(value: string): number | undefined {
  if (value !== lastKeepAlive) {
    const timeout = /(?:^|[,;\s])timeout=(\d{1,6})/i.exec(value);
    lastKeepAlive = value;
    lastKeepAliveSeconds = timeout === null ? undefined : Number(timeout[1]);
  }
  return lastKeepAliveSeconds;
}

/** The field value after `from`, without the spaces and tabs around it (only those: obs-text stays). */
function trimmed(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 0x20 || line.charCodeAt(start) === 0x09)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09)) end--;
  return start === from && end === line.length ? line.slice(from) : line.slice(start, end);
}

/** One Content-Length (repeated or listed copies must agree, RFC 9110 §8.6); `seen` is the earlier one or -1. */
function contentLength(value: string, seen: number): number {
  if (seen === -1 && /^\d{1,15}$/.test(value)) return Number(value);
  let found = seen;
  for (const part of value.split(',')) {
    const digits = part.trim();
    if (!/^\d{1,15}$/.test(digits)) throw new ResponseParseError(`invalid Content-Length: ${JSON.stringify(value.slice(0, 40))}`);
    const length = Number(digits);
    if (found !== -1 && found !== length) throw new ResponseParseError('conflicting Content-Length values');
    found = length;
  }
  return found;
}
