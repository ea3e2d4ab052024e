// Pure parsing and validation of manifests, indexes and image configs, and platform
// selection. No I/O: the registry client hands bytes in, typed values (or ImageError) come out.

import { createHash } from "node:crypto";
import { isSha256Digest } from "./reference";
import { ImageError, MediaType, type Descriptor, type Digest, type ImageConfig, type ImageIndex, type Manifest, type Platform } from "./types";

export const ManifestAccept = [MediaType.OciIndex, MediaType.OciManifest, MediaType.DockerManifestList, MediaType.DockerManifest].join(", ");
/** Manifests and configs are read into memory; the OCI distribution spec suggests 4 MiB. */
export const MaxManifestBytes = 4 * 1024 * 1024;

const indexTypes = new Set<string>([MediaType.OciIndex, MediaType.DockerManifestList]);
const manifestTypes = new Set<string>([MediaType.OciManifest, MediaType.DockerManifest]);
const configTypes = new Set<string>([MediaType.OciConfig, MediaType.DockerConfig]);
const layerTypes = new Set<string>([MediaType.OciLayer, MediaType.OciLayerGzip, MediaType.DockerLayerGzip]);

export type ParsedManifest =
  | { kind: "index"; mediaType: string; index: ImageIndex }
  | { kind: "manifest"; mediaType: string; manifest: Manifest };

export function sha256Digest(bytes: Uint8Array): Digest {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Parses a manifest or index; `contentType` (the HTTP header) wins over the body's mediaType. */
export function parseManifest(bytes: Buffer, contentType: string | undefined, digest: Digest): ParsedManifest {
  const ctx = { digest };
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new ImageError("BadManifest", `manifest is not valid JSON: ${(err as Error).message}`, ctx);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new ImageError("BadManifest", "manifest is not a JSON object", ctx);
  const header = contentType?.split(";")[0].trim();
  const bodyType = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  let mediaType = header && (indexTypes.has(header) || manifestTypes.has(header)) ? header : bodyType;
  if (mediaType === undefined) mediaType = Array.isArray(doc.manifests) ? MediaType.OciIndex : MediaType.OciManifest;
  if (doc.schemaVersion === 1 || mediaType.startsWith("application/vnd.docker.distribution.manifest.v1")) {
    throw new ImageError("Unsupported", "Docker schema 1 manifests are not supported; re-push the image with a current client", ctx);
  }
  if (doc.schemaVersion !== 2) throw new ImageError("BadManifest", `schemaVersion is ${JSON.stringify(doc.schemaVersion)}, not 2`, ctx);
  if (bodyType !== undefined && bodyType !== mediaType) {
    throw new ImageError("BadManifest", `the registry served it as ${mediaType} but its mediaType field says ${bodyType}`, ctx);
  }

  if (indexTypes.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw new ImageError("BadManifest", "index has no manifests array", ctx);
    const manifests = doc.manifests.map((d, i) => checkDescriptor(d, `manifests[${i}]`, ctx));
    return { kind: "index", mediaType, index: { schemaVersion: 2, mediaType, manifests } };
  }
  if (!manifestTypes.has(mediaType)) throw new ImageError("Unsupported", `media type ${mediaType} is not an image manifest or index`, ctx);
  if (!Array.isArray(doc.layers)) throw new ImageError("BadManifest", "manifest has no layers array", ctx);
  const config = checkDescriptor(doc.config, "config", ctx);
  if (!configTypes.has(config.mediaType)) {
    throw new ImageError("Unsupported", `config media type ${config.mediaType} is not a container image config (an artifact, not an image?)`, ctx);
  }
  const layers = doc.layers.map((d, i) => {
    const desc = checkDescriptor(d, `layers[${i}]`, ctx);
    if (desc.mediaType === MediaType.OciLayerZstd) throw new ImageError("Unsupported", `layer ${desc.digest} is zstd-compressed, which is not supported`, ctx);
    if (!layerTypes.has(desc.mediaType)) throw new ImageError("Unsupported", `layer ${desc.digest} has media type ${desc.mediaType}, which is not supported`, ctx);
    return desc;
  });
  return { kind: "manifest", mediaType, manifest: { schemaVersion: 2, mediaType, config, layers } };
}

function checkDescriptor(d: unknown, where: string, ctx: { digest: Digest }): Descriptor {
  if (typeof d !== "object" || d === null) throw new ImageError("BadManifest", `${where} is not a descriptor object`, ctx);
  const o = d as Record<string, unknown>;
  if (typeof o.mediaType !== "string") throw new ImageError("BadManifest", `${where}.mediaType is missing`, ctx);
  if (typeof o.digest !== "string") throw new ImageError("BadManifest", `${where}.digest is missing`, ctx);
  if (!isSha256Digest(o.digest)) {
    const unsupported = /^[a-z0-9]+:/.test(o.digest) && !o.digest.startsWith("sha256:");
    throw new ImageError(unsupported ? "Unsupported" : "BadManifest", `${where}.digest ${JSON.stringify(o.digest)} is not a sha256 digest`, ctx);
  }
  if (typeof o.size !== "number" || !Number.isSafeInteger(o.size) || o.size < 0) throw new ImageError("BadManifest", `${where}.size is not a byte count`, ctx);
  return o as unknown as Descriptor;
}

/** Parses and checks an image config against its manifest's layer count. */
export function parseImageConfig(bytes: Buffer, layerCount: number, digest: Digest): ImageConfig {
  const ctx = { digest };
  let doc: ImageConfig;
  try {
    doc = JSON.parse(bytes.toString("utf8")) as ImageConfig;
  } catch (err) {
    throw new ImageError("BadManifest", `image config is not valid JSON: ${(err as Error).message}`, ctx);
  }
  const rootfs = (doc as Partial<ImageConfig> | null)?.rootfs;
  if (!rootfs || rootfs.type !== "layers" || !Array.isArray(rootfs.diff_ids)) {
    throw new ImageError("BadManifest", 'image config has no rootfs of type "layers" with diff_ids', ctx);
  }
  for (const id of rootfs.diff_ids) {
    if (typeof id !== "string" || !isSha256Digest(id)) throw new ImageError("BadManifest", `image config diff ID ${JSON.stringify(id)} is not a sha256 digest`, ctx);
  }
  if (rootfs.diff_ids.length !== layerCount) {
    throw new ImageError("BadManifest", `image config lists ${rootfs.diff_ids.length} diff IDs but the manifest has ${layerCount} layers`, ctx);
  }
  return doc;
}

/** chainId(L0) = diffId(L0); chainId(Ln) = sha256(chainId(Ln-1) + " " + diffId(Ln)). */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? diffId : sha256Digest(Buffer.from(`${prev} ${diffId}`)));
  }
  return out;
}

const archAliases: Record<string, string> = { x86_64: "amd64", x64: "amd64", aarch64: "arm64", armhf: "arm", armel: "arm" };

export function normalizePlatform(p: Platform): Platform {
  const architecture = archAliases[p.architecture] ?? p.architecture;
  let variant = p.variant;
  if (architecture === "arm64" && (variant === undefined || variant === "8")) variant = "v8";
  const out: Platform = { os: p.os.toLowerCase(), architecture };
  if (variant !== undefined) out.variant = variant;
  return out;
}

/** The platform this process runs on, e.g. linux/amd64. */
export function hostPlatform(): Platform {
  return normalizePlatform({ os: process.platform, architecture: process.arch });
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

/**
 * Picks the index entry for `want`: same os and architecture, and same variant when the
 * request names one (an exact variant match is preferred). Throws NotFound listing what
 * the index offers.
 */
export function selectPlatform(index: ImageIndex, want: Platform, digest: Digest): Descriptor {
  const w = normalizePlatform(want);
  const candidates = index.manifests.filter((d) => {
    if (!d.platform) return false;
    const p = normalizePlatform(d.platform);
    return p.os === w.os && p.architecture === w.architecture && (w.variant === undefined || p.variant === undefined || p.variant === w.variant);
  });
  const exact = candidates.find((d) => d.platform && normalizePlatform(d.platform).variant === w.variant);
  const chosen = exact ?? candidates[0];
  if (chosen) return chosen;
  const offered = index.manifests.filter((d) => d.platform && d.platform.os !== "unknown").map((d) => formatPlatform(d.platform as Platform));
  throw new ImageError("NotFound", `no manifest for platform ${formatPlatform(w)} in the image index (it offers: ${offered.join(", ") || "none"})`, { digest });
}
