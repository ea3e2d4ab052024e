// Reads a file of a container's rootfs as the container would see it: symlinks are resolved
// inside the rootfs (an absolute target is relative to the rootfs, ".." stops at its top), so
// an image whose /etc/passwd links to /etc/shadow-of-the-host reads the image's own file and
// never one of the host's. Used for /etc/passwd and /etc/group before the container exists.

import { promises as fs } from "node:fs";
import * as path from "node:path";

const maxHops = 40;

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** The host path of `inner` inside `root` with every symlink resolved within `root`, or
 *  undefined when some component does not exist. Throws on a symlink loop. */
export async function resolveInRoot(root: string, inner: string): Promise<string | undefined> {
  const pending = inner.split("/").filter(Boolean);
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const host = path.join(root, ...done, part);
    let st;
    try {
      st = await fs.lstat(host);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > maxHops) throw new Error(`too many levels of symbolic links resolving ${inner} in ${root}`);
    const target = await fs.readlink(host);
    if (target.startsWith("/")) done.length = 0;
    pending.unshift(...target.split("/").filter(Boolean));
  }
  return path.join(root, ...done);
}

/** Contents of `inner` inside `root` as UTF-8, or undefined when it does not exist. Reads at
 *  most `maxBytes` so a hostile image cannot make us load a huge file. */
export async function readFileInRoot(root: string, inner: string, maxBytes = 4 << 20): Promise<string | undefined> {
  const host = await resolveInRoot(root, inner);
  if (host === undefined) return undefined;
  let fh;
  try {
    fh = await fs.open(host, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const buf = Buffer.alloc(Math.min(st.size, maxBytes));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
}
