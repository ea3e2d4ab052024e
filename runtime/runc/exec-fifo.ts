// Starting a created container without running `runc start`. After `runc create`, the
// container's init (runc init) waits in open(2) for writing on <runc root>/<id>/exec.fifo; all
// `runc start` does is open that FIFO for reading, read the one byte init writes before it
// execs the entrypoint, and delete the FIFO (runc derives "created" from the FIFO's existence,
// "running" from its absence). Doing the same here saves a Go process per container start,
// which on a busy node is 0.1-0.3 s of wall time (runc 1.1, libcontainer's exec()).
//
// When the FIFO is not there (another runc layout, or the container is not created) the caller
// runs `runc start`, which knows what to say.

import { constants, promises as fs } from "node:fs";
import * as path from "node:path";
import { isAlive } from "./conmon";

export const EXEC_FIFO = "exec.fifo";

/** How long init may take to open its end; it is waiting already, so this is generous. */
const OPEN_TIMEOUT_MS = 10_000;

/**
 * Releases the container's init. Resolves false when there is no exec FIFO (nothing done),
 * true once init was released; rejects when init is gone.
 */
export async function startThroughExecFifo(runcRoot: string, id: string, initPid: number): Promise<boolean> {
  const fifo = path.join(runcRoot, id, EXEC_FIFO);
  const st = await fs.lstat(fifo).catch(() => undefined);
  if (!st?.isFIFO()) return false;
  if (!isAlive(initPid)) throw new Error(`container ${id}: its process is already dead`);
  // The blocking open runs on libuv's thread pool; it returns once init has its end open,
  // which it has while the container is created. Should init die first, our own writer
  // unblocks the open after the timeout (and the empty read below reports it).
  let timer: NodeJS.Timeout | undefined;
  const unblock = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      void fs.open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then((w) => w.close(), () => undefined).then(resolve);
    }, OPEN_TIMEOUT_MS);
  });
  const reader = await fs.open(fifo, constants.O_RDONLY);
  clearTimeout(timer);
  void unblock;
  try {
    const data = await reader.readFile();
    if (data.length === 0) throw new Error(`container ${id}: its process did not take the start signal (already dead?)`);
  } finally {
    await reader.close();
  }
  await fs.rm(fifo, { force: true });
  return true;
}
