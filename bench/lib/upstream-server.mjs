// A tiny upstream app for the proxy benchmark: answers every request with a small 200 body over
// keep-alive. Run as a child process: `node upstream-server.mjs` prints `listening PORT`.
import http from 'node:http';

const body = Buffer.from('hello from the upstream\n');
const server = http.createServer({ noDelay: true }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
