// Content digests: a branded string so a bare string is never taken for a
// verified digest. Only sha256 is produced; sha512 is accepted when parsing.
import type {Hash} from 'node:crypto';

// node:crypto is loaded on first use: it costs ~6 ms, and most commands that parse
// a digest (run, ps, inspect) never hash anything.
function createHash(algorithm: string): Hash {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`node:crypto`) as typeof import('node:crypto')).createHash(algorithm);
}

export type Digest = string & {readonly __brand: `Digest`};

const DIGEST_RE = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(s: string): s is Digest {
  return DIGEST_RE.test(s);
}

/** Validates a digest coming from outside (a manifest, a reference, a file name). */
export function parseDigest(s: string): Digest {
  if (!isDigest(s))
    throw new Error(`invalid digest "${s}": expected sha256: followed by 64 lowercase hex digits`);
  return s;
}

export function sha256Of(data: string | Buffer | Uint8Array): Digest {
  return `sha256:${createHash(`sha256`).update(data).digest(`hex`)}` as Digest;
}

export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(`:`) + 1);
}

export function digestAlgorithm(d: Digest): `sha256` | `sha512` {
  return d.startsWith(`sha512:`) ? `sha512` : `sha256`;
}

/** A running hash for streaming verification. */
export class Digester {
  private readonly hash: Hash;
  readonly algorithm: `sha256` | `sha512`;
  size = 0;

  constructor(algorithm: `sha256` | `sha512` = `sha256`) {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Buffer | Uint8Array): void {
    this.size += chunk.length;
    this.hash.update(chunk);
  }

  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest(`hex`)}` as Digest;
  }
}

/** Chain ID of a layer stack (OCI image spec): ChainID(L0) = DiffID(L0), ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
export function chainId(diffIds: ReadonlyArray<Digest>): Digest {
  let chain = diffIds[0];
  if (chain === undefined) throw new Error(`Assertion failed: chainId of no layers`);
  for (let i = 1; i < diffIds.length; i++)
    chain = sha256Of(`${chain} ${diffIds[i]}`);
  return chain;
}
