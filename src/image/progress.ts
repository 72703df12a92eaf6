// What a pull reports while it runs. The image layer only emits these events; the
// CLI decides whether to draw bars (terminal) or stay silent (pipes, -q).
import type {Digest} from '../oci/digest';

export type PullEvent =
  /** About to contact a registry for this reference (podman's "Trying to pull …"). */
  | {kind: `resolving`, reference: string}
  /** A blob (layer or config) is known, with its size; `state` says what happens to it. */
  | {kind: `blob`, digest: Digest, size: number, role: `layer` | `config`, state: `queued` | `exists` | `skipped`}
  /** Bytes arrived for a blob (`done` is the running total). */
  | {kind: `bytes`, digest: Digest, done: number, size: number}
  /** A blob is fully downloaded and verified. */
  | {kind: `blobDone`, digest: Digest}
  /** Layers are being applied to the store. */
  | {kind: `applying`, count: number}
  /** The image record is being written. */
  | {kind: `writing`}
  | {kind: `done`, id: string};

export type PullProgress = (event: PullEvent) => void;

export const noProgress: PullProgress = () => {};
