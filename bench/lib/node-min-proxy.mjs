// Reference for the proxy benchmark: the smallest correct-ish Node reverse proxy (http.request
// through a keep-alive Agent, response piped back, no header rewriting). It shows how much of
// Slipway's proxy cost is Node's HTTP stack itself. Prints `listening PORT`.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 256, scheduling: 'lifo' });
const upstreamPort = Number(process.env.UPSTREAM_PORT);
const server = http.createServer({ noDelay: true }, (req, res) => {
  const proxyReq = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent }, (proxyRes) => {
    res.writeHead(proxyRes.statusCode ?? 502, proxyRes.headers);
    proxyRes.pipe(res);
  });
  proxyReq.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
  req.pipe(proxyReq);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => { server.close(); agent.destroy(); process.exit(0); });
