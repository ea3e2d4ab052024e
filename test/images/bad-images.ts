// Deliberately bad layers and images, for the puller's safety tests. Each is a real,
// well-formed registry upload (the registry only checks that blobs hash to their digests);
// what is wrong is inside the layer, or in what the config claims about it.

import { gzipSync } from "node:zlib";
import * as tar from "tar-stream";
import { type BuiltImage, FixedMtime, type Layer, layerFromTar, makeImage, makeLayer, makeTar, pushImage, sha256 } from "./build";

export interface BadImage {
  repo: string;
  image: BuiltImage;
  /** The layer a puller must refuse. */
  bad: Layer;
}

/** A layer whose entry climbs out of the root: `../../…/<escapeName>`. */
export function dotDotLayer(escapeName: string): Promise<Layer> {
  return makeLayer([{ name: "ok.txt", content: "ok\n" }, { name: `../../../../../../../../../../tmp/${escapeName}`, content: "escaped\n" }]);
}

/** A layer with an absolute entry name; it must land inside the layer root, not at `absPath`. */
export function absolutePathLayer(absPath: string): Promise<Layer> {
  return makeLayer([{ name: absPath, content: "absolute\n" }]);
}

/** A symlink climbing out of the root (`../../..`), then a file written through it. */
export function relativeSymlinkEscapeLayer(): Promise<Layer> {
  return makeLayer([
    { name: "up", type: "symlink", linkname: "../../../../../../../../../.." },
    { name: "up/tmp/gantry-should-not-exist", content: "x\n" },
  ]);
}

/** A hardlink whose target is outside the root. */
export function hardlinkOutLayer(): Promise<Layer> {
  return makeLayer([{ name: "passwd-link", type: "link", linkname: "../../../../../../../../etc/passwd" }]);
}

/** A character device other than the 0/0 whiteout form (here: /dev/null, 1:3). */
export function deviceNodeLayer(): Promise<Layer> {
  return makeLayer([{ name: "dev/", type: "directory" }, { name: "dev/null", type: "character-device", devmajor: 1, devminor: 3, mode: 0o666 }]);
}

/** A gzip stream cut in half; the config still names the full tar's diff ID. */
export async function truncatedGzipLayer(): Promise<Layer> {
  const full = layerFromTar(await makeTar([{ name: "big.bin", content: Buffer.alloc(256 * 1024, 7) }, { name: "after.txt", content: "after\n" }]));
  const blob = full.blob.subarray(0, Math.floor(full.blob.length / 2));
  return { ...full, blob, digest: sha256(blob), size: blob.length };
}

/** A good layer whose diff ID in the config is wrong. */
export async function wrongDiffIdLayer(): Promise<Layer> {
  const layer = await makeLayer([{ name: "innocent.txt", content: "innocent\n" }]);
  return { ...layer, diffId: sha256("something else entirely") };
}

const MiB = 1024 * 1024;
let zeroMember: Buffer | undefined;

/**
 * A gzip bomb: a tar holding one file, `name`, of `bytes` zero bytes, as about 1 KB of gzip per
 * MiB (5 GiB → 5 MB). It is a series of gzip members (the tar header, then 64 MiB of zeros each,
 * then the rest: file padding and the end-of-archive blocks are zeros too), which gunzip reads
 * as one stream, so building it inflates nothing. Its config's diff ID is not the tar's (that
 * would mean hashing gigabytes): an attacker does not care, since without caps the whole bomb
 * is inflated before the mismatch can show.
 */
export async function gzipBombLayer(bytes: number, name = "bomb.bin"): Promise<Layer> {
  zeroMember ??= gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
  const header: tar.Header = { name, type: "file", size: bytes, mode: 0o644, uid: 0, gid: 0, uname: "", gname: "", linkname: "", devmajor: 0, devminor: 0, mtime: FixedMtime };
  const parts: Buffer[] = [gzipSync(await tarHeader(header))];
  let zeros = Math.ceil(bytes / 512) * 512 + 1024;
  for (; zeros >= 64 * MiB; zeros -= 64 * MiB) parts.push(zeroMember);
  parts.push(gzipSync(Buffer.alloc(zeros), { level: 9 }));
  const blob = Buffer.concat(parts);
  return { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", blob, digest: sha256(blob), size: blob.length, diffId: sha256(`bomb of ${bytes} zero bytes`) };
}

/** The 512-byte tar header tar-stream writes for `header`, without the data it announces. */
async function tarHeader(header: tar.Header): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry(header).on("error", () => undefined); // its data is never written
  const out: Buffer[] = [];
  for await (const chunk of pack) {
    out.push(chunk as Buffer);
    if (Buffer.concat(out).length >= 512) break;
  }
  return Buffer.concat(out).subarray(0, 512);
}

/** A layer of `count` entries (empty files), to pass an entry cap. */
export function manyEntriesLayer(count: number): Promise<Layer> {
  return makeLayer(Array.from({ length: count }, (_, i) => ({ name: `many/${i}`, content: "" })));
}

/** A layer holding one file of `bytes` zeros, plus a marker after it. */
export function bigFileLayer(bytes: number, name = "big.bin"): Promise<Layer> {
  return makeLayer([{ name, content: Buffer.alloc(bytes) }, { name: `${name}.after`, content: "after\n" }]);
}

/** Pushes `bad` on top of `base` layers as <repo>:latest. */
export async function pushBadImage(registryUrl: string, repo: string, base: readonly Layer[], bad: Layer): Promise<BadImage> {
  const image = makeImage([...base, bad], { cmd: ["/bin/sh"] });
  await pushImage(registryUrl, repo, "latest", image);
  return { repo, image, bad };
}
