// Host cgroup facts the driver needs: which version the node runs, where a container's cgroup
// directories are (one per v1 hierarchy, plus the unified one in hybrid mode), how many OOM
// kills the kernel counted there, and removing what runc leaves behind.
//
// runc creates `<cgroupsPath>` with all missing parents and removes only the leaf on delete;
// the parents (the pod's cgroup) belong to whoever chose cgroupParent.

import { promises as fs } from "node:fs";
import * as path from "node:path";
import { readMountInfo, type MountInfoEntry } from "../rootfs/mountinfo";

const cgroup2Magic = 0x63677270;

export type CgroupVersion = 1 | 2;

/** 2 when /sys/fs/cgroup itself is cgroup2 (unified); 1 for legacy and hybrid hosts. */
export async function cgroupVersion(): Promise<CgroupVersion> {
  const st = await fs.statfs("/sys/fs/cgroup");
  return st.type === cgroup2Magic ? 2 : 1;
}

async function cgroupMounts(): Promise<MountInfoEntry[]> {
  return (await readMountInfo()).filter((m) => m.fsType === "cgroup" || m.fsType === "cgroup2");
}

/** The cgroupfs path of a runc cgroupsPath; systemd's `slice:prefix:name` becomes
 *  `/a.slice/a-b.slice/<prefix>-<name>.scope`, as runc's systemd driver lays it out. */
export function cgroupfsPath(cgroupsPath: string): string {
  const parts = cgroupsPath.split(":");
  if (parts.length !== 3) return path.posix.join("/", cgroupsPath);
  const [slice, prefix, name] = parts;
  const dirs: string[] = [];
  if (slice && slice !== "-.slice") {
    const words = slice.replace(/\.slice$/, "").split("-");
    for (let i = 1; i <= words.length; i++) dirs.push(`${words.slice(0, i).join("-")}.slice`);
  }
  return path.posix.join("/", ...dirs, `${prefix}-${name}.scope`);
}

/** Every directory that represents `cgroupsPath`, one per mounted hierarchy. */
export async function cgroupDirs(cgroupsPath: string): Promise<string[]> {
  const rel = cgroupfsPath(cgroupsPath);
  return (await cgroupMounts()).map((m) => path.join(m.mountPoint, rel));
}

/** Removes the container's cgroup directories (children first). A cgroup with tasks still in
 *  it cannot be removed (EBUSY); the tasks of a killed container vanish within moments, so this
 *  retries for up to `timeoutMs`. */
export async function removeCgroup(cgroupsPath: string, timeoutMs = 5000): Promise<void> {
  // Never the hierarchy root: removing "its children" would mean every cgroup on the host.
  if (cgroupfsPath(cgroupsPath) === "/") throw new Error(`refusing to remove the root cgroup (cgroupsPath ${JSON.stringify(cgroupsPath)})`);
  const deadline = Date.now() + timeoutMs;
  for (const dir of await cgroupDirs(cgroupsPath)) {
    for (;;) {
      try {
        await removeTree(dir);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== "EBUSY" || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }
}

async function removeTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return;
    throw err;
  }
  for (const e of entries) if (e.isDirectory()) await removeTree(path.join(dir, e.name));
  try {
    await fs.rmdir(dir);
  } catch (err) {
    if ((err as { code?: string }).code !== "ENOENT") throw err;
  }
}

function counter(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key} (\\d+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

/** OOM kills the kernel counted in the container's memory cgroup (v1 memory.oom_control,
 *  v2 memory.events), or undefined when the cgroup is gone. */
export async function oomKillCount(cgroupsPath: string): Promise<number | undefined> {
  const rel = cgroupfsPath(cgroupsPath);
  const mounts = await cgroupMounts();
  const v1 = mounts.find((m) => m.fsType === "cgroup" && m.superOptions.split(",").includes("memory"));
  try {
    if (v1) return counter(await fs.readFile(path.join(v1.mountPoint, rel, "memory.oom_control"), "utf8"), "oom_kill");
    const v2 = mounts.find((m) => m.fsType === "cgroup2");
    if (v2) return counter(await fs.readFile(path.join(v2.mountPoint, rel, "memory.events"), "utf8"), "oom_kill");
  } catch {
    return undefined;
  }
  return undefined;
}

/** Whether to cap memory+swap at the memory limit: only when the node has swap at all and
 *  (on v1) the kernel accounts swap per cgroup; otherwise runc would fail writing memsw. */
export async function swapLimitWanted(): Promise<boolean> {
  const swaps = (await fs.readFile("/proc/swaps", "utf8")).trim().split("\n");
  if (swaps.length < 2) return false;
  if ((await cgroupVersion()) === 2) return true;
  const mounts = await cgroupMounts();
  const v1 = mounts.find((m) => m.fsType === "cgroup" && m.superOptions.split(",").includes("memory"));
  if (!v1) return false;
  try {
    await fs.access(path.join(v1.mountPoint, "memory.memsw.limit_in_bytes"));
    return true;
  } catch {
    return false;
  }
}
