// A local ACME server for tests: Debian's `pebble` (Let's Encrypt's test CA) on loopback, with
// `pebble-challtestsrv` as its DNS server answering 127.0.0.1 for every name, so its HTTP-01
// checks reach the test's own proxy port. Its HTTPS directory uses a CA made here with openssl.
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { freeLoopbackPort } from './net.js';

export interface Pebble {
  directoryUrl: string;
  /** The CA of the directory's own HTTPS certificate (for NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** The root that signs the certificates pebble issues (it makes a new one each start). */
  issuingRoot(): Promise<string>;
  /** pebble's own record of a certificate it issued: `Valid` or `Revoked`. */
  certStatus(serialHex: string): Promise<string>;
  stop(): Promise<void>;
}

export function pebbleInstalled(): boolean {
  return ['/usr/bin/pebble', '/usr/bin/pebble-challtestsrv'].every((file) => fs.existsSync(file));
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

function started(child: ChildProcess, pattern: RegExp, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}:\n${output}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Starts pebble answering HTTP-01 on `httpPort` of 127.0.0.1 (the proxy under test). */
export async function startPebble(dir: string, httpPort: number): Promise<Pebble> {
  fs.mkdirSync(dir, { recursive: true });
  const caKey = path.join(dir, 'ca.key');
  const caFile = path.join(dir, 'ca.pem');
  const key = path.join(dir, 'localhost.key');
  const csr = path.join(dir, 'localhost.csr');
  const crt = path.join(dir, 'localhost.pem');
  const ext = path.join(dir, 'san.ext');
  await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=Slipway test ACME directory CA']);
  await execa('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=localhost']);
  fs.writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await execa('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', crt, '-days', '2', '-extfile', ext]);

  const [dnsPort, challPort, listenPort, managementPort] = [await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort(), await freeLoopbackPort()];
  const config = path.join(dir, 'pebble-config.json');
  fs.writeFileSync(config, JSON.stringify({
    pebble: {
      listenAddress: `127.0.0.1:${listenPort}`, managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: crt, privateKey: key, httpPort, tlsPort: httpPort, ocspResponderURL: '', externalAccountBindingRequired: false,
    },
  }));
  const dns = spawn('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`,
    '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${challPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  await started(dns, /Starting management server/i, 'pebble-challtestsrv');
  // No random nonce rejections or validation sleeps: the test stays short and deterministic.
  const env = { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' };
  const pebble = spawn('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], { stdio: ['ignore', 'pipe', 'pipe'], env });
  try {
    await started(pebble, /Listening on/i, 'pebble');
  } catch (error) {
    await stopChild(dns);
    throw error;
  }
  const ca = fs.readFileSync(caFile, 'utf8');
  return {
    directoryUrl: `https://127.0.0.1:${listenPort}/dir`,
    caFile,
    async issuingRoot() {
      const r = await get(`https://127.0.0.1:${managementPort}/roots/0`, ca);
      if (r.status !== 200) throw new Error(`pebble roots: ${r.status}`);
      return r.body;
    },
    async certStatus(serialHex) {
      const r = await get(`https://127.0.0.1:${managementPort}/cert-status-by-serial/${serialHex}`, ca);
      if (r.status !== 200) throw new Error(`pebble cert status: ${r.status} ${r.body}`);
      return (JSON.parse(r.body) as { Status: string }).Status;
    },
    async stop() {
      await Promise.all([stopChild(pebble), stopChild(dns)]);
    },
  };
}
