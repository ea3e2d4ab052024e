// Caps on what unpacking an image may produce, so a hostile layer (a gzip bomb: a few MB that
// inflate to terabytes, or millions of tiny entries) cannot fill a node's disk or memory.
// Counted on the decompressed tar stream as it flows, before each chunk reaches the tar
// parser, so an unpack stops at the first chunk past a cap and never inflates the rest.
//
//   maxLayerBytes    decompressed (tar) bytes of one layer
//   maxImageBytes    decompressed bytes of all the image's layers together, cached ones included
//   maxLayerEntries  tar entries of one layer
//   maxFileBytes     size of one regular file, checked on its tar header before it is written
//
// The defaults and why they are what they are: README.md, "Unpack limits".

import { ImageError } from "./types";

export interface UnpackLimits {
  maxLayerBytes: number;
  maxImageBytes: number;
  maxLayerEntries: number;
  maxFileBytes: number;
}

const GiB = 1024 ** 3;

export const DefaultUnpackLimits: Readonly<UnpackLimits> = Object.freeze({
  maxLayerBytes: 16 * GiB,
  maxImageBytes: 32 * GiB,
  maxLayerEntries: 1_000_000,
  maxFileBytes: 16 * GiB,
});

/** What each limit bounds and the `gantry agent` flag that sets it, for error messages. */
export const UnpackLimitInfo: Readonly<Record<keyof UnpackLimits, { flag: string; what: string; unit: "bytes" | "entries" }>> = {
  maxLayerBytes: { flag: "--max-layer-bytes", what: "decompressed size of the layer", unit: "bytes" },
  maxImageBytes: { flag: "--max-image-bytes", what: "decompressed size of the image (all its layers together)", unit: "bytes" },
  maxLayerEntries: { flag: "--max-layer-entries", what: "number of entries in the layer", unit: "entries" },
  maxFileBytes: { flag: "--max-file-bytes", what: "size of a file", unit: "bytes" },
};

/** Fills in defaults; refuses values that are not positive whole numbers. */
export function resolveUnpackLimits(given: Partial<UnpackLimits> = {}): UnpackLimits {
  const limits = { ...DefaultUnpackLimits };
  for (const key of Object.keys(DefaultUnpackLimits) as (keyof UnpackLimits)[]) {
    const v = given[key];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`unpack limit ${key} must be a positive whole number, not ${String(v)}`);
    limits[key] = v;
  }
  return limits;
}

/**
 * The error of an unpack past a cap: which cap, its value, and the flag that raises it, e.g.
 * `LimitExceeded: the decompressed size of the layer passes its limit of 64 MiB (67108864 bytes);
 * to pull this image, raise gantry agent --max-layer-bytes`. The puller adds image, registry,
 * layer digest and position.
 */
export function limitExceeded(limit: keyof UnpackLimits, value: number, detail?: string): ImageError {
  const info = UnpackLimitInfo[limit];
  const shown = info.unit === "bytes" ? formatBytes(value) : `${value} entries`;
  return new ImageError(
    "LimitExceeded",
    `the ${info.what} passes its limit of ${shown}${detail ? ` (${detail})` : ""}; to pull this image, raise gantry agent ${info.flag}`,
  );
}

/**
 * Decompressed bytes of one image, shared by its concurrent layer unpacks. Once a charge
 * passes the cap every later charge fails too, so the other unpacks stop at their next chunk;
 * stop() does the same when the pull failed for another reason.
 */
export class ImageBytes {
  private used = 0;
  private stopped = false;

  constructor(readonly max: number) {}

  get total(): number {
    return this.used;
  }

  /** Adds `n` bytes; throws LimitExceeded once the total passes the cap. */
  charge(n: number): void {
    if (this.stopped) throw new Error("unpack stopped: another layer of the image failed");
    this.used += n;
    if (this.used > this.max) throw limitExceeded("maxImageBytes", this.max);
  }

  /** Gives back `n` charged bytes: a layer download that broke is started over. */
  refund(n: number): void {
    this.used -= n;
  }

  /** Makes every later charge fail: the pull has failed, its other unpacks can stop. */
  stop(): void {
    this.stopped = true;
  }
}

/** "16 GiB (17179869184 bytes)": the exact count, and a unit a reader can take in. */
export function formatBytes(n: number): string {
  const short = humanBytes(n);
  return short === `${n} bytes` ? short : `${short} (${n} bytes)`;
}

/** "16 GiB", "1.5 MiB", "300 bytes". */
export function humanBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
