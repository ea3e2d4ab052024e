// Reads a file of a container's rootfs as the container would see it: symlinks are resolved
// inside the rootfs (an absolute target is relative to the rootfs, ".." stops at its top), so
// an image whose /etc/passwd links to /etc/shadow-of-the-host reads the image's own file and
// never one of the host's. Used for /etc/passwd and /etc/group before the container exists.

import { promises as fs } from "node:fs";
import { isNotFound, walkInRoot, type WalkRules } from "./walk-in-root";

/** A rootfs is the container's "/": an absolute link starts over at its top, ".." stops there. */
const rootfsRules: WalkRules = {
  absoluteTarget: (link) => link.target.split("/").filter(Boolean),
  aboveRoot: () => undefined,
  missing: () => Promise.resolve(false),
};

/** The host path of `inner` inside `root` with every symlink resolved within `root`, or
 *  undefined when some component does not exist. Throws on a symlink loop. */
export function resolveInRoot(root: string, inner: string): Promise<string | undefined> {
  return walkInRoot(root, inner, rootfsRules);
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
