// Contracts of the image subsystem. Implementations live beside this file
// (content-store.ts, layer-store.ts, image-store.ts); callers depend on these interfaces.
//
// Terms
//   blob      An immutable byte string named by its digest ("sha256:<64 hex>"): a manifest,
//             an index, an image config or a compressed layer exactly as the registry served it.
//   diff ID   The digest of a layer's *uncompressed* tar stream; listed, in order, in the
//             image config's `rootfs.diff_ids`.
//   chain ID  Identity of a layer *together with everything below it*:
//               chainId(L0) = diffId(L0)
//               chainId(Ln) = sha256(chainId(Ln-1) + " " + diffId(Ln))
//             Two images that share their bottom layers share those unpacked directories.
//   layer dir `layers/<chain hex>/`: one layer's diff, unpacked in overlayfs form (whiteouts
//             are 0/0 char devices, opaque directories carry trusted.overlay.opaque=y).
//             It is read-only after it appears and is used as an overlayfs lowerdir.
//
// Worked example: pulling docker.io/library/busybox:latest
//   1. The registry client resolves the tag to a manifest (through an index if need be) and
//      the puller ingests the manifest bytes under their digest.
//   2. The config blob is ingested (digest and size verified) and parsed; it names N diff IDs
//      for the manifest's N layers, from which N chain IDs follow.
//   3. For each layer whose `layers/<chain>` is missing, the compressed blob is ingested and
//      unpacked into a staging directory while its uncompressed sha256 is computed and its
//      size checked against the caps (limits.ts); the sizes of present layers count towards
//      the image's cap too. Only when every layer is staged, matches its diff ID and the image
//      is within its caps are the directories renamed into place.
//   4. An ImageRecord naming the manifest, config and layer chain is written to the ImageStore.
//   Nothing partial is ever visible under `blobs/` or `layers/`.

import type { ImageBytes, UnpackLimits } from "./limits";

/** "sha256:<64 lowercase hex>"; other algorithms are refused with code Unsupported. */
export type Digest = string;

export const MediaType = {
  OciManifest: "application/vnd.oci.image.manifest.v1+json",
  OciIndex: "application/vnd.oci.image.index.v1+json",
  OciConfig: "application/vnd.oci.image.config.v1+json",
  OciLayer: "application/vnd.oci.image.layer.v1.tar",
  OciLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  OciLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  DockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  DockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  DockerConfig: "application/vnd.docker.container.image.v1+json",
  DockerLayerGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  DockerForeignLayerGzip: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
} as const;

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  "os.version"?: string;
}

/** A pointer to a blob (OCI image-spec descriptor). */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

/** OCI image manifest or Docker v2 schema 2 manifest (same shape). */
export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** OCI image index or Docker manifest list (same shape). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

/** The parts of the OCI image config Gantry reads. Unknown fields are kept as parsed. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object>;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
  };
  rootfs: { type: "layers"; diff_ids: Digest[] };
  history?: unknown[];
}

// ---------------------------------------------------------------------------------------
// Errors: one taxonomy for everything under runtime/image. The agent maps codes to pod
// reasons (ErrImagePull / ImagePullBackOff) at its own boundary.

export type ImageErrorCode =
  /** The image reference itself is malformed (bad name, tag or digest syntax). */
  | "InvalidReference"
  /** The registry has no such repository, tag, manifest or blob, or no manifest for our platform. */
  | "NotFound"
  /** The registry or its token service refused our (absent or given) credentials. */
  | "Unauthorized"
  /** Bytes do not hash to the digest that named them (blob, manifest, or a layer's diff ID). */
  | "DigestMismatch"
  /** Bytes are longer or shorter than the descriptor's size. */
  | "SizeMismatch"
  /** A layer tries to write outside its root, through an escaping symlink, or holds a device node. */
  | "UnsafeLayer"
  /** A layer is not a valid (gzip-compressed) tar stream, e.g. truncated. */
  | "BadLayer"
  /** Unpacking passed a cap (limits.ts): layer or image size, entries per layer, file size. */
  | "LimitExceeded"
  /** A manifest, index or config is not valid JSON of the expected shape. */
  | "BadManifest"
  /** A media type, digest algorithm, compression or schema we do not implement. */
  | "Unsupported"
  /** The registry could not be reached or failed (after retries). */
  | "Network";

export interface ImageErrorContext {
  /** The image reference as the user wrote it, canonicalised (docker.io/library/busybox:latest). */
  image?: string;
  /** The registry host (docker.io, 127.0.0.1:5000). */
  registry?: string;
  /** The digest of the object that failed (manifest, config or layer). */
  digest?: string;
}

/**
 * The one error class of runtime/image. Its message always says what failed and, when known,
 * on which image, registry and digest, e.g.
 *   `pull 127.0.0.1:5000/app:1 (registry 127.0.0.1:5000, digest sha256:ab…): layer diff ID mismatch: …`
 */
export class ImageError extends Error {
  readonly code: ImageErrorCode;
  readonly image?: string;
  readonly registry?: string;
  readonly digest?: string;
  /** The bare reason, without the image/registry/digest prefix. */
  readonly detail: string;

  constructor(code: ImageErrorCode, detail: string, context: ImageErrorContext = {}, options?: { cause?: unknown }) {
    super(formatMessage(code, detail, context), options);
    this.name = "ImageError";
    this.code = code;
    this.detail = detail;
    this.image = context.image;
    this.registry = context.registry;
    this.digest = context.digest;
  }

  /** Returns a copy that also carries `context` (fields already set win). */
  withContext(context: ImageErrorContext): ImageError {
    return new ImageError(
      this.code,
      this.detail,
      { image: this.image ?? context.image, registry: this.registry ?? context.registry, digest: this.digest ?? context.digest },
      { cause: this.cause },
    );
  }

  /**
   * Normalises anything thrown into an ImageError: ImageErrors gain `context`, socket-level
   * failures become Network, anything else gets `fallback`.
   */
  static from(err: unknown, context: ImageErrorContext = {}, fallback: ImageErrorCode = "Network"): ImageError {
    if (err instanceof ImageError) return err.withContext(context);
    const message = err instanceof Error ? err.message : String(err);
    return new ImageError(isNetworkError(err) ? "Network" : fallback, message, context, { cause: err });
  }
}

const networkCodes = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH",
  "ENOTFOUND", "EAI_AGAIN", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE", "UND_ERR_SOCKET",
]);

export function isNetworkError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && (networkCodes.has(code) || code.startsWith("ERR_SSL") || code.startsWith("ERR_TLS"));
}

function formatMessage(code: ImageErrorCode, detail: string, c: ImageErrorContext): string {
  const where: string[] = [];
  if (c.registry) where.push(`registry ${c.registry}`);
  if (c.digest) where.push(`digest ${c.digest}`);
  const subject = `${c.image ? `image ${c.image}` : ""}${where.length ? `${c.image ? " " : ""}(${where.join(", ")})` : ""}`;
  return `${subject ? `${subject}: ` : ""}${code}: ${detail}`;
}

// ---------------------------------------------------------------------------------------
// Content: immutable blobs by digest. Split by role, as a reader needs only a Provider.

export interface ContentInfo {
  digest: Digest;
  size: number;
}

export interface ContentProvider {
  /** Size of a stored blob, or undefined if absent. Never returns partially written blobs. */
  info(digest: Digest): Promise<ContentInfo | undefined>;
  /** Absolute path of the blob's file (it may not exist); callers must only read it. */
  path(digest: Digest): string;
  /** Whole blob in memory; for manifests and configs. Throws NotFound if absent. */
  read(digest: Digest): Promise<Buffer>;
}

export interface ContentIngester {
  /**
   * Streams `data` into the store under `expected.digest`. The blob becomes visible only after
   * its sha256 and byte count both match; otherwise nothing is kept and DigestMismatch or
   * SizeMismatch is thrown. Ingesting a blob that is already present consumes and verifies
   * the data anyway (so callers can rely on the error), then keeps the existing file.
   * `onBytes` reports progress as bytes arrive.
   */
  ingest(expected: ContentInfo, data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onBytes?: (n: number) => void): Promise<ContentInfo>;
}

export interface ContentStore extends ContentProvider, ContentIngester {
  /** Removes a blob; absent blobs are not an error. */
  delete(digest: Digest): Promise<void>;
  list(): Promise<ContentInfo[]>;
  /** Removes leftovers of ingests interrupted by a crash. Safe only while no ingest runs. */
  cleanup(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// Layers: unpacked, read-only layer directories by chain ID.

export interface UnpackedLayer {
  chainId: Digest;
  diffId: Digest;
  /** Absolute path of the layer directory (an overlayfs lowerdir). */
  path: string;
}

/** A layer unpacked into a staging directory: complete and verified, not yet visible. */
export interface StagedLayer {
  chainId: Digest;
  diffId: Digest;
  /** Decompressed (tar) bytes. */
  size: number;
  entries: number;
  /** Moves it to its chain ID's directory (dropping ours if an identical layer got there first). */
  commit(): Promise<UnpackedLayer>;
  /** Removes the staging directory. */
  discard(): Promise<void>;
}

export interface LayerStore {
  path(chainId: Digest): string;
  has(chainId: Digest): Promise<boolean>;
  /**
   * Unpacks the layer blob (its path in the content store, or its bytes as they download) for chain `chainId` into a staging directory, within
   * `caps` (limits.ts; past one: LimitExceeded). The uncompressed sha256 must equal `diffId`
   * (else DigestMismatch). On failure nothing is left; on success nothing is visible under the
   * chain ID until commit(), so a puller can stage every layer of an image and commit none
   * when one of them fails.
   */
  stage(blob: string | AsyncIterable<Uint8Array>, expected: { chainId: Digest; diffId: Digest }, caps?: { limits?: Partial<UnpackLimits>; imageBytes?: Pick<ImageBytes, "charge"> }): Promise<StagedLayer>;
  /** Decompressed size of a present layer, or undefined if absent. */
  size(chainId: Digest): Promise<number | undefined>;
  delete(chainId: Digest): Promise<void>;
  list(): Promise<Digest[]>;
  /** Removes leftovers of unpacks interrupted by a crash. Safe only while no unpack runs. */
  cleanup(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// Images: records naming what a pulled reference resolved to.

export interface ImageLayer {
  /** Compressed blob digest, as listed in the manifest. */
  digest: Digest;
  diffId: Digest;
  chainId: Digest;
  /** Compressed size in bytes. */
  size: number;
  /** Absolute path of the unpacked layer directory. */
  path: string;
}

export interface ImageRecord {
  /** Canonical reference that was pulled: docker.io/library/busybox:latest (or …@sha256:…). */
  ref: string;
  /** Digest of the platform-specific manifest. */
  digest: Digest;
  /** Digest of the index/manifest list the tag pointed at, when there was one. */
  indexDigest?: Digest;
  configDigest: Digest;
  config: ImageConfig;
  /** Bottom layer first (overlayfs wants them the other way round: reverse for lowerdir). */
  layers: ImageLayer[];
}

export interface ImageStore {
  /** Looks a record up by canonical reference. */
  get(ref: string): Promise<ImageRecord | undefined>;
  /** Creates or replaces the record for `record.ref`; atomic. */
  put(record: ImageRecord): Promise<void>;
  delete(ref: string): Promise<void>;
  list(): Promise<ImageRecord[]>;
}
