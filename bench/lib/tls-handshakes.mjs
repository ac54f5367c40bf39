// Full TLS handshakes against 127.0.0.1:$PORT (SNI $SERVERNAME) from $CONCURRENCY loops for
// $SECONDS: each connects without a session to resume, waits for the handshake, closes.
// Prints one JSON line { handshakes, seconds, per_second, failures, protocol }.
import tls from 'node:tls';

const port = Number(process.env.PORT);
const servername = process.env.SERVERNAME;
const seconds = Number(process.env.SECONDS || 10);
const concurrency = Number(process.env.CONCURRENCY || 8);
const deadline = Date.now() + seconds * 1000;
let handshakes = 0;
let failures = 0;
let protocol = '';

function once() {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      handshakes++;
      protocol = socket.getProtocol() ?? '';
      socket.destroy();
      resolve();
    });
    socket.on('error', () => { failures++; socket.destroy(); resolve(); });
  });
}

const started = Date.now();
await Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < deadline) await once(); }));
const elapsed = (Date.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ handshakes, seconds: elapsed, per_second: handshakes / elapsed, failures, protocol })}\n`);
