// Slipway's ReverseProxy (compiled, from dist/) alone in this process with two apps in front of
// the same upstream: `plain` (Host bench.test, HTTP only) and `secure` (localhost, with the
// certificate in $TLS_CERT/$TLS_KEY, served over HTTPS). Prints `listening HTTP_PORT https HTTPS_PORT`.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { distDir } from './common.mjs';

const { ReverseProxy } = await import(pathToFileURL(path.join(distDir, 'proxy', 'index.js')).href);
const proxy = new ReverseProxy();
const upstream = [{ host: '127.0.0.1', port: Number(process.env.UPSTREAM_PORT) }];
proxy.setRoutes('plain', ['bench.test'], upstream);
proxy.setRoutes('secure', ['localhost'], upstream);
proxy.setTls('secure', { crt: fs.readFileSync(process.env.TLS_CERT, 'utf8'), key: fs.readFileSync(process.env.TLS_KEY, 'utf8') });
const http = await proxy.listen('127.0.0.1', 0);
const https = await proxy.listenHttps('127.0.0.1', 0);
process.on('SIGTERM', () => { proxy.close().finally(() => process.exit(0)); });
process.stdout.write(`listening ${http.port} https ${https.port}\n`);
