// The reference of bench/runtime.ts's pod start latency: containers started with plain
// `runc run -d` (no conmon, no agent), from the same unpacked image layers under a fresh
// overlayfs each, with the config.json our own spec builder makes for the same command (so the
// namespaces, mounts, capabilities, rlimits and cgroup settings are the ones the agent's
// containers get; the network namespace is a new one made by runc rather than a pod netns made
// beforehand).

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { mountsUnder, readMountInfo } from "../netns/mountinfo";
import { run } from "../netns/run";
import { buildSpec, cgroupsPathFor } from "../runtime/oci/spec";
import { removeCgroup, swapLimitWanted } from "../runtime/runc/cgroups";
import { containerNofile } from "../runtime/runc/rlimits";

export const RUNC = "/usr/sbin/runc";

export interface RawRunc {
  base: string;
  runcRoot: string;
  cgroupParent: string;
  ids: string[];
}

export async function rawRunc(): Promise<RawRunc> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-bench-runc-"));
  const runcRoot = path.join(base, "runc");
  await fs.mkdir(runcRoot, { mode: 0o700 });
  return { base, runcRoot, cgroupParent: `/gantry-bench-runc-${randomBytes(4).toString("hex")}`, ids: [] };
}

function exec(argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`${argv.join(" ")}: exit ${code}: ${err.trim()}`))));
  });
}

export interface RawStart {
  /** mount(8) of the container's overlayfs. */
  mountMs: number;
  /** `runc run -d` until it exits (the container process is running then). */
  runcMs: number;
}

/**
 * Prepares a bundle (directories and config.json, untimed), then times mounting its overlay
 * and `runc run -d`. The container's stdio is /dev/null (runc's pass-through mode). With
 * `netnsPath` the container joins that network namespace instead of getting a new one.
 */
export async function rawStart(r: RawRunc, layers: readonly string[], env: readonly string[], args: readonly string[], netnsPath?: string): Promise<RawStart> {
  const id = `raw-${r.ids.length}-${randomBytes(3).toString("hex")}`;
  const dir = path.join(r.base, id);
  const bundle = path.join(dir, "bundle");
  const rootfs = path.join(bundle, "rootfs");
  for (const d of ["upper", "work", "bundle/rootfs"]) await fs.mkdir(path.join(dir, d), { recursive: true });
  const spec = buildSpec(
    { id, labels: {}, layers: [...layers], args: [...args], env: [...env], workingDir: "/", hostname: id, mounts: [], resources: {}, cgroupParent: r.cgroupParent, tty: false, stdin: false, netnsPath },
    { uid: 0, gid: 0, additionalGids: [], home: "/root" },
    { cgroupsPath: cgroupsPathFor(r.cgroupParent, id, "cgroupfs"), limitSwap: await swapLimitWanted(), nofile: await containerNofile() },
  );
  await fs.writeFile(path.join(bundle, "config.json"), JSON.stringify(spec));
  r.ids.push(id);

  const lower = [...layers].reverse().join(":");
  // The container inherits runc's stdio: a pipe would stay open as long as it runs, so runc's
  // errors go to a file.
  const errFile = path.join(dir, "runc.err");
  const err = await fs.open(errFile, "w");
  try {
    const t0 = performance.now();
    await exec(["mount", "-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${path.join(dir, "upper")},workdir=${path.join(dir, "work")},index=off`, rootfs]);
    const t1 = performance.now();
    const child = spawn(RUNC, [`--root=${r.runcRoot}`, "run", "-d", "--bundle", bundle, id], { stdio: ["ignore", "ignore", err.fd] });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c) => resolve(c));
    });
    const t2 = performance.now();
    if (code !== 0) throw new Error(`runc run -d ${id}: exit ${code}: ${(await fs.readFile(errFile, "utf8")).trim()}`);
    return { mountMs: t1 - t0, runcMs: t2 - t1 };
  } finally {
    await err.close();
  }
}

/** Kills and deletes every container, unmounts, removes the cgroups and the directory. */
export async function rawCleanup(r: RawRunc): Promise<void> {
  // `runc list` creates a missing root (this runs again after a finished cleanup).
  const exists = await fs.stat(r.runcRoot).then(() => true, () => false);
  const listed = !exists ? [] : await run([RUNC, `--root=${r.runcRoot}`, "list", "-q"]).then((x) => x.stdout.split("\n").filter(Boolean), () => [] as string[]);
  if (exists) {
    for (const id of new Set([...r.ids, ...listed])) await run([RUNC, `--root=${r.runcRoot}`, "delete", "--force", id]).catch(() => undefined);
  }
  r.ids.length = 0;
  for (const m of mountsUnder(await readMountInfo(), r.base).reverse()) await run(["umount", m.mountPoint]).catch(() => run(["umount", "--lazy", m.mountPoint]));
  await removeCgroup(r.cgroupParent);
  const left = mountsUnder(await readMountInfo(), r.base);
  if (left.length > 0) throw new Error(`still mounted under ${r.base}: ${left.map((m) => m.mountPoint).join(", ")}`);
  await fs.rm(r.base, { recursive: true, force: true });
}
