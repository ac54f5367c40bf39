// certs:generate's self-signed pair. Node 20's crypto makes keys but cannot sign an X.509
// certificate, so the certificate and the signing request come from the openssl CLI (the tool
// Dokku itself runs; no npm library needed). openssl reads a key only from a file (our children's
// stdin is a socket, which /dev/stdin cannot reopen), so the key sits for a moment in a private
// temp folder (0700, file 0600) that is removed before the command goes on.
import { generateKeyPair } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runChild } from '../../os/spawn.js';
import { hostEnv } from '../../os/host-env.js';
import { SlipwayError } from '../../errors.js';
import type { CertPair } from '../../store/index.js';

const DAYS = '365';

async function openssl(args: string[], signal: AbortSignal): Promise<string> {
  const result = await runChild({
    file: 'openssl', args, env: hostEnv(), stdout: 'capture', stderr: 'capture',
    signal, maxCaptureBytes: 1 << 20,
  });
  if (result.status !== 0) {
    const why = result.startError ? 'openssl is not installed' : result.stderr.trim().split('\n').pop() ?? `exit ${result.status}`;
    throw new SlipwayError('E_CERT_INVALID', `openssl could not make the certificate: ${why}`, 1);
  }
  return result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`;
}

/** A 2048-bit RSA key, a certificate for `domain` valid 365 days (as Dokku's), and a CSR for a CA. */
export async function selfSigned(domain: string, signal: AbortSignal): Promise<CertPair & { csr: string }> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const subject = ['-subj', `/CN=${domain}`];
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slipway-certs-'));
  try {
    const keyFile = path.join(dir, 'server.key');
    await fs.writeFile(keyFile, key, { mode: 0o600 });
    const crt = await openssl(['req', '-x509', '-new', '-key', keyFile, ...subject, '-addext', `subjectAltName=DNS:${domain}`, '-days', DAYS], signal);
    const csr = await openssl(['req', '-new', '-key', keyFile, ...subject], signal);
    return { crt, key, csr };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
