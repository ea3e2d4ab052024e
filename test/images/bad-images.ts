// Deliberately bad layers and images, for the puller's safety tests. Each is a real,
// well-formed registry upload (the registry only checks that blobs hash to their digests);
// what is wrong is inside the layer, or in what the config claims about it.

import { type BuiltImage, type Layer, layerFromTar, makeImage, makeLayer, makeTar, pushImage, sha256 } from "./build";

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

/** Pushes `bad` on top of `base` layers as <repo>:latest. */
export async function pushBadImage(registryUrl: string, repo: string, base: readonly Layer[], bad: Layer): Promise<BadImage> {
  const image = makeImage([...base, bad], { cmd: ["/bin/sh"] });
  await pushImage(registryUrl, repo, "latest", image);
  return { repo, image, bad };
}
