// Writes a volume's files so that a container never sees a half-updated set, the way the
// kubelet's AtomicWriter does for configMap/secret/downwardAPI volumes:
//
//   <dir>/..2025_01_02_03_04_05.123_abcd/   the payload, complete before it becomes visible
//   <dir>/..data -> ..2025_01_02_...        swapped with one rename(2)
//   <dir>/<name> -> ..data/<name>           one symlink per top-level name users see
//
// A rewrite builds a new payload dir, swaps ..data, adds/removes the top-level links, then
// deletes the old payload. Containers bind-mount <dir> itself, so they see every swap.

import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { ProjectedFile } from "../pod-spec/projection";

const DATA = "..data";

function stamp(now: Date): string {
  const iso = now.toISOString(); // 2025-01-02T03:04:05.123Z
  return `..${iso.slice(0, 19).replace(/[-T:]/g, "_")}.${iso.slice(20, 23)}_${randomBytes(2).toString("hex")}`;
}

async function readlinkOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await fs.readlink(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EINVAL") return undefined;
    throw err;
  }
}

export async function writeAtomically(dir: string, files: readonly ProjectedFile[], now = new Date()): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const payload = stamp(now);
  const payloadDir = path.join(dir, payload);
  await fs.mkdir(payloadDir, { mode: 0o755 });
  for (const f of files) {
    const target = path.join(payloadDir, f.path);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    await fs.writeFile(target, f.data, { mode: f.mode });
    await fs.chmod(target, f.mode); // writeFile's mode is filtered by the umask
  }
  const old = await readlinkOrUndefined(path.join(dir, DATA));
  const tmpLink = path.join(dir, "..data_tmp");
  await fs.rm(tmpLink, { force: true });
  await fs.symlink(payload, tmpLink);
  await fs.rename(tmpLink, path.join(dir, DATA));

  const wanted = new Set(files.map((f) => f.path.split("/")[0]));
  for (const name of wanted) {
    const link = path.join(dir, name);
    if ((await readlinkOrUndefined(link)) !== `${DATA}/${name}`) {
      await fs.rm(link, { recursive: true, force: true });
      await fs.symlink(`${DATA}/${name}`, link);
    }
  }
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith("..")) {
      if (name !== DATA && name !== payload) await fs.rm(path.join(dir, name), { recursive: true, force: true });
      continue;
    }
    if (!wanted.has(name)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
  if (old && old !== payload) await fs.rm(path.join(dir, old), { recursive: true, force: true });
}
