// What the runtime remembers about a container beyond runc's own state: the labels the agent
// adopts containers by, the timestamps CRI reports, and the options later calls need (stop
// signal, log rotation). Written atomically (temp file + rename) so a crash never leaves half
// a file, and read back after an agent restart.

import { promises as fs } from "node:fs";
import { RuntimeError } from "../types";

export interface ContainerMeta {
  id: string;
  labels: Record<string, string>;
  createdAt: string;
  startedAt?: string;
  /** Set once the exit is first observed (exit file mtime), so it never moves afterwards. */
  finishedAt?: string;
  cgroupsPath: string;
  logPath: string;
  stopSignal: string;
  tty: boolean;
  stdin: boolean;
  stdinOnce: boolean;
  logMaxBytes?: number;
  logMaxFiles?: number;
}

export async function writeMeta(file: string, meta: ContainerMeta): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, JSON.stringify(meta, null, 1));
  await fs.rename(tmp, file);
}

/** Reads meta.json; NotFound when the container directory or file is absent. */
export async function readMeta(file: string, id: string): Promise<ContainerMeta> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") throw new RuntimeError("NotFound", `container ${id} not found`);
    throw err;
  }
  try {
    return JSON.parse(text) as ContainerMeta;
  } catch (err) {
    throw new RuntimeError("Internal", `container ${id}: metadata ${file} is not valid JSON: ${(err as Error).message}`);
  }
}
