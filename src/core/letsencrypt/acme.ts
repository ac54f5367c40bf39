// The ACME conversation (RFC 8555) for letsencrypt:enable, on the maintained `acme-client`
// library: account, order, HTTP-01 challenges (files handed to the caller to publish), CSR,
// certificate. The only module that imports acme-client; every failure becomes one clear line.
import acme from 'acme-client';
import { SlipwayError } from '../../errors.js';

/** Let's Encrypt's directories, by dokku-letsencrypt's names for them (`server default|staging`). */
export const NAMED_SERVERS: Readonly<Record<string, string>> = {
  default: acme.directory.letsencrypt.production,
  staging: acme.directory.letsencrypt.staging,
};

/** Seconds one HTTP request to the ACME server may take (a silent host must not hang enable). */
const REQUEST_TIMEOUT_MS = 30_000;
acme.axios.defaults.timeout = REQUEST_TIMEOUT_MS;

export interface CertificateRequest {
  directoryUrl: string;
  email: string;
  /** The first is the certificate's common name; all are alternative names. */
  domains: string[];
  /** The account's private key (PEM): one account per (directory, email). */
  accountKey: string;
  /** Publish and withdraw an HTTP-01 answer (`token` → `keyAuthorization`) for the domain. */
  publish(token: string, keyAuthorization: string): Promise<void>;
  withdraw(token: string): Promise<void>;
  /** Progress lines (`Domain 'x' validated`, …). */
  say(line: string): void;
}

export interface IssuedPair { crt: string; key: string }

export async function newAccountKey(): Promise<string> {
  return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
}

/** A library or network error as one line: where it failed and why, never a stack. */
function oneLine(error: unknown, directoryUrl: string): string {
  const e = error as { code?: string; message?: string; response?: { status?: number } };
  const reason = (e.message ?? String(error)).split('\n')[0];
  if (e.code && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED'].includes(e.code)) {
    return `Cannot reach the ACME server at ${directoryUrl}: ${e.code}`;
  }
  if (/certificate|self[- ]signed|SSL|TLS/i.test(reason) && e.code) return `Cannot reach the ACME server at ${directoryUrl}: ${reason}`;
  // acme-client's own TypeError once its retries of a failing connection are used up.
  if (error instanceof TypeError && /reading 'config'/.test(reason)) return `The ACME server at ${directoryUrl} stopped answering (the connection kept failing)`;
  return `The ACME server refused the request: ${reason}`;
}

/**
 * One GET of the directory first: the library retries a refused or silent connection for over a
 * minute (5 attempts, growing delays) and then fails with a TypeError of its own, so a wrong or
 * unreachable URL is told here at once, in one line.
 */
async function checkDirectory(directoryUrl: string): Promise<void> {
  let status: number;
  try {
    const response = await fetch(directoryUrl, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: 'follow' });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = (error as Error).name === 'TimeoutError' ? `no answer in ${REQUEST_TIMEOUT_MS / 1000} s` : cause?.code ?? cause?.message ?? (error as Error).message;
    throw new SlipwayError('E_ACME_FAILED', `Cannot reach the ACME server at ${directoryUrl}: ${why}`, 1, { cause: error });
  }
  if (status !== 200) throw new SlipwayError('E_ACME_FAILED', `${directoryUrl} is not an ACME directory (HTTP ${status})`, 1);
}

/** Runs the whole order; resolves with the chain (leaf first) and its new private key. */
export async function requestCertificate(request: CertificateRequest): Promise<IssuedPair> {
  const { directoryUrl, domains } = request;
  await checkDirectory(directoryUrl);
  const client = new acme.Client({ directoryUrl, accountKey: request.accountKey, backoffAttempts: 10 });
  const [keyBuffer, csr] = await acme.crypto.createCsr({ commonName: domains[0], altNames: domains }, await acme.crypto.createPrivateRsaKey(2048));
  let crt: string;
  try {
    crt = await client.auto({
      csr,
      email: request.email,
      termsOfServiceAgreed: true,
      challengePriority: ['http-01'],
      // The ACME server checks the answer itself; a check from here would need this host's own
      // public name and port 80, which a server behind NAT or on another port does not have.
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, challenge, keyAuthorization) => {
        if (challenge.type !== 'http-01') throw new Error(`challenge type ${challenge.type} is not supported (HTTP-01 only)`);
        request.say(`Domain '${authz.identifier.value}': answering the HTTP-01 challenge`);
        await request.publish(challenge.token, keyAuthorization);
      },
      challengeRemoveFn: async (_authz, challenge) => {
        await request.withdraw(challenge.token);
      },
    });
  } catch (error) {
    throw new SlipwayError('E_ACME_FAILED', oneLine(error, directoryUrl), 1, { cause: error });
  }
  return { crt: crt.endsWith('\n') ? crt : `${crt}\n`, key: keyBuffer.toString() };
}

/** Asks the ACME server to revoke a certificate this account ordered (RFC 8555 §7.6). */
export async function revokeCertificate(request: { directoryUrl: string; accountKey: string; crt: string }): Promise<void> {
  await checkDirectory(request.directoryUrl);
  const client = new acme.Client({ directoryUrl: request.directoryUrl, accountKey: request.accountKey });
  try {
    // The account that ordered it (looked up by its key, never created here).
    await client.createAccount({ onlyReturnExisting: true });
    await client.revokeCertificate(request.crt);
  } catch (error) {
    throw new SlipwayError('E_ACME_FAILED', oneLine(error, request.directoryUrl), 1, { cause: error });
  }
}
