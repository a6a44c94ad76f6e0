import { MsbError } from '../../errors.js';

/** Plumbing shared by the registry client and its token requests: error classification and bounded reads. */

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'EAI_AGAIN']);

export function errCode(e: unknown): string | undefined {
  const err = e as { code?: string; cause?: { code?: string; cause?: { code?: string } } };
  return err?.cause?.code ?? err?.cause?.cause?.code ?? err?.code;
}

export function isTransientCode(code: string | undefined): boolean {
  return !!code && TRANSIENT_CODES.has(code);
}

/** A failure worth retrying (5xx, dropped connection, timeout); never shown as is. */
export class Transient extends Error {}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A fetch that failed before any answer, as one line naming the host. */
export function networkError(url: string, e: unknown): MsbError {
  const host = new URL(url).host;
  const code = errCode(e);
  const msg = (e as { cause?: Error })?.cause?.message ?? (e as Error)?.message ?? String(e);
  if (code === 'ECONNREFUSED') return new MsbError(`cannot reach registry ${host}: connection refused`);
  if (code === 'ENOTFOUND') return new MsbError(`cannot reach registry ${host}: unknown host`);
  if (/SSL|TLS|certificate|wrong version number/i.test(msg) || /^ERR_SSL|CERT|DEPTH_ZERO/.test(code ?? '')) {
    return new MsbError(`TLS error talking to ${host}: ${msg} (for a plain-HTTP registry use --insecure)`);
  }
  return new MsbError(`cannot reach registry ${host}: ${msg}`);
}

/** Reads a response body whole, refusing more than `limit` bytes; `idle` restarts the no-data timer. */
export async function readLimited(res: Response, idle: (on: boolean) => void, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    if (!res.body) return Buffer.alloc(0);
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
      idle(true);
      n += c.length;
      if (n > limit) throw new MsbError(`${what}: larger than ${limit} bytes, refusing to read it into memory`);
      chunks.push(Buffer.from(c));
    }
  } catch (e) {
    if (e instanceof MsbError) throw e;
    throw new MsbError(`${what}: download failed: ${(e as Error).message}`);
  } finally {
    idle(false);
  }
  return Buffer.concat(chunks);
}
