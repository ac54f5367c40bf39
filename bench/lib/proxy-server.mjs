// Runs Slipway's ReverseProxy (compiled, from dist/src/proxy/index.js) alone in this process with
// one route: Host bench.test → 127.0.0.1:$UPSTREAM_PORT. Prints `listening PORT`.
// PROXY_WORKERS=N (experiment) runs N copies under node:cluster sharing the port, to measure
// what a multi-process proxy would gain; the default, 1, is how Slipway runs it.
import cluster from 'node:cluster';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir, freePort } from './common.mjs';

const workers = Number(process.env.PROXY_WORKERS || 1);

async function serve(port) {
  const { ReverseProxy } = await import(pathToFileURL(path.join(distDir, 'proxy', 'index.js')).href);
  const proxy = new ReverseProxy();
  proxy.setRoutes('bench', ['bench.test'], [{ host: '127.0.0.1', port: Number(process.env.UPSTREAM_PORT) }]);
  const address = await proxy.listen('127.0.0.1', port);
  process.on('SIGTERM', () => { proxy.close().finally(() => process.exit(0)); });
  return address.port;
}

if (workers <= 1) {
  const port = await serve(Number(process.env.PORT || 0));
  process.stdout.write(`listening ${port}\n`);
} else if (cluster.isPrimary) {
  const port = Number(process.env.PORT) || await freePort();
  let up = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork({ PORT: String(port) }).on('listening', () => { if (++up === workers) process.stdout.write(`listening ${port}\n`); });
  }
  process.on('SIGTERM', () => { for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM'); process.exit(0); });
} else {
  await serve(Number(process.env.PORT));
}
