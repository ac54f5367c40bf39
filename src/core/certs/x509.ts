// Reading certificates with node's crypto: a pair is checked (PEM parses, the key is the
// certificate's) before it is stored, and certs:report's values come from the stored chain.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { SlipwayError } from '../../errors.js';
import type { CertPair } from '../../store/index.js';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const invalid = (message: string): SlipwayError => new SlipwayError('E_CERT_INVALID', message, 1);

/** Every certificate of a PEM chain, the server's own first. */
export function parseChain(crt: string): X509Certificate[] {
  const blocks = crt.match(PEM_CERT) ?? [];
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw invalid('The CRT file holds a certificate that does not parse');
    }
  });
}

function parseKey(key: string): KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw invalid('The KEY file is not a PEM private key');
  try {
    return createPrivateKey(key);
  } catch {
    throw invalid('The KEY file is not a usable private key (an encrypted key needs its passphrase removed)');
  }
}

/** Refuses a pair whose certificate or key does not parse, or whose key is not the certificate's. */
export function checkPair(pair: CertPair): void {
  const chain = parseChain(pair.crt);
  if (chain.length === 0) throw invalid('The CRT file is not a PEM certificate');
  const key = parseKey(pair.key);
  if (!chain[0].checkPrivateKey(key)) throw invalid('The KEY file does not match the certificate in the CRT file');
}

export interface CertInfo {
  hostnames: string[];
  startsAt: string;
  expiresAt: string;
  issuer: string;
  subject: string;
  verified: 'verified by a certificate authority' | 'self signed';
}

/** `CN=a\nO=b` → openssl's text form `CN = a, O = b` (what Dokku's report shows as the issuer). */
const textName = (name: string): string => name.split('\n').map((rdn) => rdn.replace('=', ' = ')).join(', ');

/** The names a certificate covers: its subject CN and every DNS alternative name, sorted. */
export function certHostnames(cert: X509Certificate): string[] {
  const names = new Set<string>();
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  if (cn) names.add(cn);
  for (const entry of (cert.subjectAltName ?? '').split(', ')) {
    if (entry.startsWith('DNS:')) names.add(entry.slice(4));
  }
  return [...names].sort();
}

let roots: X509Certificate[] | undefined;

/** Whether the chain leads to one of node's bundled root authorities (openssl verify's OK). */
function verified(chain: X509Certificate[]): boolean {
  roots ??= rootCertificates.map((pem) => new X509Certificate(pem));
  let cert = chain[0];
  for (let hops = 0; hops <= chain.length; hops++) {
    const root = roots.find((r) => cert.checkIssued(r) && cert.verify(r.publicKey));
    if (root) return true;
    const next = chain.find((c) => c !== cert && cert.checkIssued(c) && cert.verify(c.publicKey));
    if (!next) return false;
    cert = next;
  }
  return false;
}

export function describeCert(crt: string): CertInfo | undefined {
  const chain = parseChain(crt);
  const cert = chain[0];
  if (!cert) return undefined;
  return {
    hostnames: certHostnames(cert),
    startsAt: cert.validFrom,
    expiresAt: cert.validTo,
    issuer: textName(cert.issuer),
    subject: cert.subject.split('\n').join('; '),
    verified: verified(chain) ? 'verified by a certificate authority' : 'self signed',
  };
}
