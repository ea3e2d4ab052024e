// Image pull + unpack for bench/runtime.ts: our pullImage into a fresh LocalImageStore, next to
// `skopeo copy` (registry → OCI layout) + `umoci unpack` (OCI layout → bundle rootfs) of the
// same image from the same registry, alternating one of ours and one reference per round.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { pullImage } from "../runtime/image/puller";
import { LocalImageStore } from "../runtime/image/store";
import { busyboxLayers, layerFromTar, makeImage, makeTar, pushImage, pushTestImages } from "../test/images/build";
import { startRegistry } from "../test/images/registry";
import { median } from "./runtime-proc";
import { round } from "./stats";

export const BigRepo = "gantry-bench/big";

/** busybox's two layers plus one gzip layer holding `mib` MiB of random bytes (incompressible:
 *  the blob is as large as the data). Returns the compressed size of all layers. */
export async function pushBigImage(registryUrl: string, mib: number): Promise<number> {
  const [base, files] = await busyboxLayers();
  const big = layerFromTar(await makeTar([{ name: "data/", type: "directory" }, { name: "data/random.bin", content: randomBytes(mib << 20) }]));
  const image = makeImage([base, files, big], { cmd: ["/bin/sh"] });
  await pushImage(registryUrl, BigRepo, "latest", image);
  return image.layers.reduce((n, l) => n + l.size, 0);
}

function exec(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"], env });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(" ")}: exit ${code}: ${err.trim().slice(-500)}`))));
  });
}

async function ours(ref: string, tmpRoot: string): Promise<number> {
  const dir = await fs.mkdtemp(path.join(tmpRoot, "ours-"));
  try {
    const store = await LocalImageStore.open(dir);
    const t0 = performance.now();
    await pullImage(ref, { store });
    return performance.now() - t0;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function reference(host: string, repo: string, tmpRoot: string): Promise<{ copyMs: number; unpackMs: number }> {
  const dir = await fs.mkdtemp(path.join(tmpRoot, "ref-"));
  try {
    const layout = `${path.join(dir, "oci")}:bench`;
    // skopeo stages big blobs in $TMPDIR: keep them inside the directory we remove.
    const env = { ...process.env, TMPDIR: dir };
    const t0 = performance.now();
    await exec(["skopeo", "copy", "--quiet", "--src-tls-verify=false", `docker://${host}/${repo}:latest`, `oci:${layout}`], env);
    const t1 = performance.now();
    await exec(["umoci", "unpack", "--image", layout, path.join(dir, "bundle")], env);
    const t2 = performance.now();
    return { copyMs: t1 - t0, unpackMs: t2 - t1 };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export interface PullResult {
  image: string;
  compressedBytes: number;
  repeats: number;
  oursMs: { median: number; samples: number[] };
  reference: { medianMs: number; skopeoCopyMedianMs: number; umociUnpackMedianMs: number; samples: number[] };
  ratioOursVsReference: number;
}

/** One untimed round of each (warms the registry's page cache and both code paths), then
 *  `repeats` rounds of ours followed by the reference. */
export async function benchPull(host: string, repo: string, compressedBytes: number, repeats: number): Promise<PullResult> {
  const tmpRoot = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-bench-pull-"));
  try {
    const ref = `${host}/${repo}:latest`;
    await ours(ref, tmpRoot);
    await reference(host, repo, tmpRoot);
    const o: number[] = [];
    const copy: number[] = [];
    const unpack: number[] = [];
    for (let i = 0; i < repeats; i++) {
      o.push(await ours(ref, tmpRoot));
      const r = await reference(host, repo, tmpRoot);
      copy.push(r.copyMs);
      unpack.push(r.unpackMs);
    }
    const refTotal = copy.map((c, i) => c + unpack[i]);
    return {
      image: ref,
      compressedBytes,
      repeats,
      oursMs: { median: median(o), samples: o.map((x) => round(x, 1)) },
      reference: { medianMs: median(refTotal), skopeoCopyMedianMs: median(copy), umociUnpackMedianMs: median(unpack), samples: refTotal.map((x) => round(x, 1)) },
      ratioOursVsReference: round(median(o) / median(refTotal), 3),
    };
  } finally {
    await fs.rm(tmpRoot, { recursive: true, force: true });
  }
}

/** BENCH_RUNTIME_ONLY=pull: only the pull part of the runtime benchmark, with its own
 *  registry, under the same `pull` key (the same shape as the whole benchmark's). */
export async function benchPullOnly(repeats: number, bigMiB: number): Promise<Record<string, unknown>> {
  const registry = await startRegistry();
  try {
    const images = await pushTestImages(registry.url);
    const busyboxBytes = images.busybox.layers.reduce((n, l) => n + l.size, 0);
    const bigBytes = await pushBigImage(registry.url, bigMiB);
    const busybox = await benchPull(registry.host, "gantry-test/busybox", busyboxBytes, repeats);
    console.log(`pull busybox: ours ${busybox.oursMs.median} ms, skopeo+umoci ${busybox.reference.medianMs} ms`);
    const big = await benchPull(registry.host, BigRepo, bigBytes, repeats);
    console.log(`pull big: ours ${big.oursMs.median} ms, skopeo+umoci ${big.reference.medianMs} ms`);
    return { pull: { busybox, big: { randomMiB: bigMiB, ...big } } };
  } finally {
    await registry.stop();
  }
}
