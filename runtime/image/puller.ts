// pullImage: reference -> verified, unpacked layers + an ImageRecord.
//
//   parse ref ─► resolve (tag/digest ─► [index ─► platform] ─► manifest)      registry-client.ts
//            ─► ingest manifest (+ index) bytes under their digests              content-store.ts
//            ─► ingest config blob (digest+size verified) ─► parse, diff IDs ─► chain IDs
//            ─► per layer, at most `concurrency` at a time:
//                 layers/<chain> present?  ─yes─► its size counts towards the image cap; done
//                 blob present? ─yes─► stage it from the content store
//                               ─no──► download and stage in one pass (layer-fetch.ts): the
//                                      blob is verified and stored as it is unpacked
//                 staging: tmp dir within the caps (limits.ts), sha256 of the tar == diff ID?
//            ─► every layer staged ─► rename each into layers/<chain>
//            ─► write ImageRecord (atomic)                                        image-store.ts
//
// A reference pinned by digest whose record, blobs and layers are all present is answered
// from the store without contacting the registry at all.
//
// A pull refused for what the image contains (a cap passed, an unsafe or corrupt layer, a
// digest that does not match) commits no layer and drops the image's blobs that nothing else
// uses, so retrying it (ImagePullBackOff) neither accumulates layers nor fills the disk. A pull
// cut by the network keeps the blobs it has, so the next attempt resumes.

import { fetchAndStageLayer } from "./layer-fetch";
import { ImageBytes, resolveUnpackLimits, type UnpackLimits } from "./limits";
import { chainIds, hostPlatform, parseImageConfig } from "./manifest";
import { canonicalReference, parseReference, type Reference } from "./reference";
import type { AuthConfig } from "./registry-auth";
import { RegistryClient } from "./registry-client";
import type { LocalImageStore } from "./store";
import { ImageError, isNetworkError, type Digest, type ImageErrorCode, type ImageErrorContext, type ImageLayer, type ImageRecord, type Platform, type StagedLayer } from "./types";

export type PullProgress =
  | { kind: "resolved"; ref: string; digest: Digest; layers: number }
  | { kind: "layer"; digest: Digest; state: "cached" | "downloading" | "downloaded" | "unpacking" | "unpacked"; size: number }
  | { kind: "bytes"; digest: Digest; received: number; size: number }
  | { kind: "done"; ref: string; digest: Digest };

export interface PullOptions {
  store: LocalImageStore;
  /** Registries reached over plain HTTP; default localhost, 127.0.0.1, [::1]. */
  insecureRegistries?: readonly string[];
  auth?: AuthConfig;
  platform?: Platform;
  onProgress?: (event: PullProgress) => void;
  /** Parallel layer downloads/unpacks; default 3. */
  concurrency?: number;
  /** Use this client (and leave it open) instead of making one per pull. */
  client?: RegistryClient;
  /** Unpack caps (limits.ts); missing ones take their defaults. */
  limits?: Partial<UnpackLimits>;
}

/** Errors about what the image contains: retrying cannot help, so its blobs are dropped. */
const contentRefusals = new Set<ImageErrorCode>(["LimitExceeded", "BadLayer", "UnsafeLayer", "DigestMismatch", "SizeMismatch", "BadManifest", "Unsupported"]);

export async function pullImage(input: string | Reference, opts: PullOptions): Promise<ImageRecord> {
  const ref = typeof input === "string" ? parseReference(input) : input;
  const canonical = canonicalReference(ref);
  const ctx: ImageErrorContext = { image: canonical, registry: ref.registry };
  const { store } = opts;
  const progress = opts.onProgress ?? (() => undefined);
  const limits = resolveUnpackLimits(opts.limits);

  return store.withPull(async () => {
    const cached = await cachedByDigest(store, ref, canonical);
    if (cached) {
      progress({ kind: "done", ref: canonical, digest: cached.digest });
      return cached;
    }
    const client = opts.client ?? new RegistryClient({ insecureRegistries: opts.insecureRegistries, auth: opts.auth });
    let release: () => void = () => undefined;
    let named: Digest[] = [];
    try {
      const resolved = await client.resolve(ref, opts.platform ?? hostPlatform());
      const manifest = resolved.manifest;
      named = [resolved.digest, ...(resolved.index ? [resolved.index.digest] : []), manifest.config.digest, ...manifest.layers.map((l) => l.digest)];
      release = await store.holdBlobs(named);
      const at = (digest: Digest): ImageErrorContext => ({ ...ctx, digest });
      await ingestBytes(store, resolved.digest, resolved.bytes, at(resolved.digest));
      if (resolved.index) await ingestBytes(store, resolved.index.digest, resolved.index.bytes, at(resolved.index.digest));
      progress({ kind: "resolved", ref: canonical, digest: resolved.digest, layers: manifest.layers.length });

      if (!(await store.content.info(manifest.config.digest))) await client.fetchBlob(ref, manifest.config, store.content);
      const config = parseImageConfig(await store.content.read(manifest.config.digest), manifest.layers.length, manifest.config.digest);
      const diffIds = config.rootfs.diff_ids;
      const chains = chainIds(diffIds);

      const layers: ImageLayer[] = manifest.layers.map((d, i) => ({
        digest: d.digest,
        diffId: diffIds[i],
        chainId: chains[i],
        size: d.size,
        path: store.layers.path(chains[i]),
      }));

      // Every layer is staged before any is committed: an image refused half way (a cap,
      // a bad layer) leaves no layer directory behind.
      const imageBytes = new ImageBytes(limits.maxImageBytes);
      const staged: StagedLayer[] = [];
      try {
        await forEachLimited(layers, opts.concurrency ?? 3, async (layer, i) => {
          const desc = manifest.layers[i];
          try {
            const present = await store.layers.size(layer.chainId);
            if (present !== undefined) {
              imageBytes.charge(present);
              progress({ kind: "layer", digest: layer.digest, state: "cached", size: layer.size });
              return;
            }
            const expected = { chainId: layer.chainId, diffId: layer.diffId };
            if (await store.content.info(layer.digest)) {
              progress({ kind: "layer", digest: layer.digest, state: "unpacking", size: layer.size });
              staged.push(await store.layers.stage(store.content.path(layer.digest), expected, { limits, imageBytes }));
            } else {
              // Downloaded and unpacked in one pass (layer-fetch.ts): no separate "unpacking".
              progress({ kind: "layer", digest: layer.digest, state: "downloading", size: layer.size });
              const onBytes = (received: number) => progress({ kind: "bytes", digest: layer.digest, received, size: layer.size });
              staged.push(await fetchAndStageLayer(client, ref, desc, store, { expected, limits, imageBytes, onBytes }));
              progress({ kind: "layer", digest: layer.digest, state: "downloaded", size: layer.size });
            }
            progress({ kind: "layer", digest: layer.digest, state: "unpacked", size: layer.size });
          } catch (err) {
            imageBytes.stop();
            throw withLayer(err, `layer ${i + 1} of ${layers.length}`, at(layer.digest));
          }
        });
        for (const layer of staged) await layer.commit();
      } finally {
        await Promise.all(staged.map((layer) => layer.discard())); // no-ops for committed ones
      }

      const record: ImageRecord = { ref: canonical, digest: resolved.digest, configDigest: manifest.config.digest, config, layers };
      if (resolved.index) record.indexDigest = resolved.index.digest;
      await store.images.put(record);
      progress({ kind: "done", ref: canonical, digest: resolved.digest });
      return record;
    } catch (err) {
      if (err instanceof ImageError || isNetworkError(err)) {
        const refused = ImageError.from(err, ctx);
        release();
        if (contentRefusals.has(refused.code)) await store.dropBlobs(named);
        throw refused;
      }
      throw new Error(`pull ${canonical}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }); // local I/O (disk full…)
    } finally {
      release();
      if (!opts.client) client.close();
    }
  });
}

/** For digest-pinned references: the stored record, if everything it names is present. */
async function cachedByDigest(store: LocalImageStore, ref: Reference, canonical: string): Promise<ImageRecord | undefined> {
  if (ref.digest === undefined) return undefined;
  const record = await store.images.get(canonical);
  if (!record || (record.digest !== ref.digest && record.indexDigest !== ref.digest)) return undefined;
  if (!(await store.content.info(record.digest)) || !(await store.content.info(record.configDigest))) return undefined;
  for (const l of record.layers) if (!(await store.layers.has(l.chainId))) return undefined;
  return record;
}

async function ingestBytes(store: LocalImageStore, digest: Digest, bytes: Buffer, ctx: ImageErrorContext): Promise<void> {
  if (await store.content.info(digest)) return;
  try {
    await store.content.ingest({ digest, size: bytes.length }, [bytes]);
  } catch (err) {
    throw ImageError.from(err, ctx);
  }
}

/** Names the failing layer in the error; non-ImageErrors (disk full…) keep their own class. */
function withLayer(err: unknown, which: string, ctx: ImageErrorContext): unknown {
  if (!(err instanceof ImageError)) return err;
  const e = err.withContext(ctx);
  return new ImageError(e.code, `${which}: ${e.detail}`, { image: e.image, registry: e.registry, digest: e.digest }, { cause: err });
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i], i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}
