// HTTPS parts shared by the tls and proxies workloads: a self-signed RSA 2048 certificate for
// `localhost` (the key type certs:generate and letsencrypt:enable make), one HTTPS GET, and full
// TLS handshakes/s measured by lib/tls-handshakes.mjs in its own process.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { benchDir, run, startProcess } from './common.mjs';

/** Writes localhost.crt and localhost.key into `dir`; resolves { cert, key, pem }. */
export async function selfSignedCert(dir) {
  const cert = path.join(dir, 'localhost.crt');
  const key = path.join(dir, 'localhost.key');
  const made = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost']);
  if (made.code !== 0) throw new Error(`openssl: ${made.stderr}`);
  return { cert, key, pem: fs.readFileSync(cert, 'utf8') };
}

/** One GET https://localhost:PORT/ (connected to 127.0.0.1, SNI localhost, trusting `ca`). */
export function httpsGet(port, ca) {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, servername: 'localhost', ca, headers: { host: 'localhost' }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

/** Full TLS handshakes (no resumption) against 127.0.0.1:PORT for `seconds` from `concurrency` loops. */
export async function fullHandshakes(port, seconds, { servername = 'localhost', concurrency = 8 } = {}) {
  const proc = startProcess('tls-handshakes', process.execPath, [path.join(benchDir, 'lib', 'tls-handshakes.mjs')], {
    env: { ...process.env, PORT: String(port), SERVERNAME: servername, SECONDS: String(seconds), CONCURRENCY: String(concurrency) },
  });
  const code = await new Promise((resolve) => proc.once('exit', resolve));
  const line = proc.output.trim().split('\n').pop();
  if (code !== 0) throw new Error(`tls-handshakes exited ${code}: ${proc.output}`);
  return JSON.parse(line);
}
