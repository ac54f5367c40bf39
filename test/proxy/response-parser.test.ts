// The upstream response parser on its own: every framing RFC 9112 gives a response (length,
// chunked, the connection's end, none), heads and chunks split at every byte, informational
// answers skipped, keep-alive decided, and each ambiguous or malformed answer refused.
import assert from 'node:assert/strict';
import { MAX_HEAD_BYTES, ResponseParseError, ResponseParser, type ResponseHead } from '../../src/proxy/response-parser.js';

interface Seen {
  heads: ResponseHead[];
  body: string;
  ends: number;
  parser: ResponseParser;
}

function parserFor(method = 'GET'): Seen {
  const seen = { heads: [], body: '', ends: 0 } as unknown as Seen;
  seen.parser = new ResponseParser({
    onHead: (head) => { seen.heads.push(head); },
    onBody: (chunk) => { seen.body += chunk.toString('latin1'); },
    onEnd: () => { seen.ends++; },
  });
  seen.parser.expect(method);
  return seen;
}

/** Feeds `wire` whole, then again split at every byte offset into two reads. */
function eachSplit(wire: string, method: string, check: (seen: Seen) => void): void {
  const bytes = Buffer.from(wire, 'latin1');
  for (let cut = 0; cut <= bytes.length; cut++) {
    const seen = parserFor(method);
    if (cut > 0) seen.parser.execute(bytes.subarray(0, cut));
    if (cut < bytes.length) seen.parser.execute(bytes.subarray(cut));
    check(seen);
  }
}

function refuses(wire: string, message: RegExp, method = 'GET'): void {
  const seen = parserFor(method);
  assert.throws(() => seen.parser.execute(Buffer.from(wire, 'latin1')), (error: Error) => error instanceof ResponseParseError && message.test(error.message));
}

describe('proxy: upstream response parser', () => {
  it('reads a Content-Length body, split anywhere, and keeps the connection', () => {
    eachSplit('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello', 'GET', (seen) => {
      assert.equal(seen.heads.length, 1);
      assert.deepEqual(seen.heads[0].headers, ['Content-Type', 'text/plain', 'Content-Length', '5']);
      assert.equal(seen.heads[0].status, 200);
      assert.equal(seen.heads[0].statusText, 'OK');
      assert.equal(seen.heads[0].bodyLength, 5);
      assert.equal(seen.body, 'hello');
      assert.equal(seen.ends, 1);
      assert.equal(seen.parser.reusable, true);
    });
  });

  it('decodes chunked bodies with extensions and trailers, split anywhere', () => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'
      + '5;name=value\r\nhello\r\n1A\r\n abcdefghijklmnopqrstuvwxy\r\n0\r\nX-Trailer: 1\r\n\r\n';
    eachSplit(wire, 'GET', (seen) => {
      assert.equal(seen.heads[0].bodyLength, -1, 'chunked: no length to end on');
      assert.equal(seen.body, 'hello abcdefghijklmnopqrstuvwxy');
      assert.equal(seen.ends, 1);
      assert.equal(seen.parser.reusable, true);
    });
  });

  it('reads a body without framing until the connection ends, and never reuses it', () => {
    const seen = parserFor();
    seen.parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nX-A: b\r\n\r\nsome bytes'));
    assert.equal(seen.ends, 0);
    seen.parser.execute(Buffer.from(' and more'));
    assert.equal(seen.parser.finish(), true);
    assert.equal(seen.body, 'some bytes and more');
    assert.equal(seen.ends, 1);
    assert.equal(seen.parser.reusable, false);
    // A non-chunked transfer coding is framed by the close too.
    const coded = parserFor();
    coded.parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz'));
    assert.equal(coded.parser.finish(), true);
    assert.equal(coded.body, 'zz');
  });

  it('gives HEAD answers and 204/304 no body whatever they announce', () => {
    for (const [method, wire] of [
      ['HEAD', 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'],
      ['GET', 'HTTP/1.1 204 No Content\r\n\r\n'],
      ['GET', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 1000\r\n\r\n'],
      ['GET', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
    ]) {
      const seen = parserFor(method);
      seen.parser.execute(Buffer.from(wire));
      assert.equal(seen.ends, 1, wire);
      assert.equal(seen.heads[0].bodyLength, wire.includes('Content-Length: 0') ? 0 : -1, wire);
      assert.equal(seen.body, '');
      assert.equal(seen.parser.reusable, true);
    }
  });

  it('skips informational answers (100, 103) and reads the final one after them', () => {
    eachSplit('HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok', 'POST', (seen) => {
      assert.deepEqual(seen.heads.map((h) => h.status), [201]);
      assert.equal(seen.body, 'ok');
      assert.equal(seen.ends, 1);
    });
  });

  it('decides keep-alive from the version and Connection, and reads the Keep-Alive timeout', () => {
    const cases: Array<[string, boolean, number | undefined]> = [
      ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', false, undefined],
      ['HTTP/1.1 200 OK\r\nConnection: Upgrade, Close\r\nContent-Length: 0\r\n\r\n', false, undefined],
      ['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false, undefined],
      ['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n', true, undefined],
      ['HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n', true, 5],
      // Both framings: the body follows the chunking, the connection is never reused.
      ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', false, undefined],
    ];
    for (const [wire, keepAlive, seconds] of cases) {
      const seen = parserFor();
      seen.parser.execute(Buffer.from(wire));
      assert.equal(seen.ends, 1, wire);
      assert.equal(seen.heads[0].keepAlive, keepAlive, wire);
      assert.equal(seen.parser.reusable, keepAlive, wire);
      assert.equal(seen.heads[0].keepAliveSeconds, seconds, wire);
    }
  });

  it('accepts repeated Content-Length copies that agree; bytes after an answer make the connection unusable', () => {
    const seen = parserFor();
    seen.parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nokEXTRA'));
    assert.equal(seen.body, 'ok');
    assert.equal(seen.ends, 1);
    assert.equal(seen.parser.reusable, false);
  });

  it('trims only spaces and tabs around values: obs-text (latin1) and inner spaces stay', () => {
    const seen = parserFor();
    seen.parser.execute(Buffer.from('HTTP/1.1 200 \r\nX-Pad: \t caf\xe9\xa0 x \t\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n', 'latin1'));
    assert.deepEqual(seen.heads[0].headers, ['X-Pad', 'caf\xe9\xa0 x', 'X-Empty', '', 'Content-Length', '0']);
    assert.equal(seen.heads[0].statusText, '');
  });

  it('refuses malformed or ambiguous answers', () => {
    refuses('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n', /conflicting Content-Length/);
    refuses('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /invalid Content-Length/);
    refuses('HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n', /invalid Content-Length/);
    refuses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', /chunked is not the last/);
    refuses('HTTP/2 200 OK\r\n\r\n', /unreadable status line/);
    refuses('HTTP/1.1 2000 OK\r\n\r\n', /unreadable status line/);
    refuses('garbage\r\n\r\n', /unreadable status line/);
    refuses('HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n', /unreadable header line|invalid header name/);
    refuses('HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n', /invalid header name/);
    refuses('HTTP/1.1 200 OK\r\n: empty\r\n\r\n', /unreadable header line/);
    refuses('HTTP/1.1 200 OK\r\nX-A: one\ntwo\r\n\r\n', /invalid characters in the response head/);
    refuses('HTTP/1.1 200 OK\r\nX-A: one\rtwo\r\n\r\n', /invalid characters/);
    refuses('HTTP/1.1 200 OK\r\nX-A: esc\x1b\r\n\r\n', /invalid characters/);
    refuses('HTTP/1.1 200 OK\r\nX-A: nul\0\r\n\r\n', /invalid characters/);
    refuses('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', /101 Switching Protocols/);
    refuses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /invalid chunk size/);
    refuses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /longer than its size/);
    refuses('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1234567890abc\r\n', /invalid chunk size/);
    refuses(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`, /larger than/);
    const partial = parserFor();
    assert.throws(() => partial.parser.execute(Buffer.from(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES + 10)}`)), /larger than/);
  });

  it('a cut answer is told apart from a finished one', () => {
    const seen = parserFor();
    assert.equal(seen.parser.busy, false);
    seen.parser.execute(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    assert.equal(seen.parser.busy, true);
    assert.equal(seen.parser.finish(), false);
    assert.equal(seen.ends, 0);
    const head = parserFor();
    head.parser.execute(Buffer.from('HTTP/1.1 20'));
    assert.equal(head.parser.busy, true);
  });
});
