// Size-based rotation of a container's CRI log, the kubelet's way: container.log →
// container.log.1 → .2 …, keeping `maxFiles` files in all (the live one included).
//
// conmon's own --log-size-max is not used because conmon 2.1.6 "rotates" by opening
// `<log>.tmp` with O_TRUNC and renaming it over the log: everything written before is lost.
// Instead we rename the live file away and write "2 0 0\n" (REOPEN_LOGS) to conmon's control
// FIFO <bundle>/ctl; conmon then creates a fresh file at the path. Lines conmon writes between
// our rename and its reopen land at the end of .1, so nothing is lost; readers following the
// log (cri-log.ts) see the inode change and switch files once the writer has moved over.

import { constants, promises as fs } from "node:fs";

export interface RotationTarget {
  logPath: string;
  ctlFifo: string;
  maxBytes: number;
  /** Files kept including the live one; at least 2 for rotation to make sense. */
  maxFiles: number;
}

/** Asks conmon to reopen its log file. False when no conmon is listening (it exited). */
export async function requestReopen(ctlFifo: string): Promise<boolean> {
  let fh;
  try {
    // Non-blocking: opening a FIFO for writing with no reader fails (ENXIO) instead of hanging.
    fh = await fs.open(ctlFifo, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENXIO" || code === "ENOENT") return false;
    throw err;
  }
  try {
    await fh.write("2 0 0\n");
    return true;
  } finally {
    await fh.close();
  }
}

/** Rotates when the live file has reached maxBytes. Returns whether it rotated. */
export async function rotateIfNeeded(t: RotationTarget): Promise<boolean> {
  if (t.maxBytes <= 0 || t.maxFiles < 2) return false;
  let size: number;
  try {
    size = (await fs.stat(t.logPath)).size;
  } catch {
    return false;
  }
  if (size < t.maxBytes) return false;

  await fs.rm(`${t.logPath}.${t.maxFiles - 1}`, { force: true });
  for (let i = t.maxFiles - 2; i >= 1; i--) {
    try {
      await fs.rename(`${t.logPath}.${i}`, `${t.logPath}.${i + 1}`);
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
    }
  }
  // The live path must never be missing (a reader opening it would fail): give the current
  // file its second name first, then atomically replace the live name with an empty file.
  await fs.rm(`${t.logPath}.1`, { force: true });
  await fs.link(t.logPath, `${t.logPath}.1`);
  const placeholder = `${t.logPath}.rotating`;
  await fs.writeFile(placeholder, "", { mode: 0o600 });
  await fs.rename(placeholder, t.logPath);
  // conmon swaps in its own new file (same name, atomically) and writes there from then on.
  await requestReopen(t.ctlFifo);
  return true;
}
