// The message of a terminated container: the file the container wrote at its
// terminationMessagePath (at most 4 KiB, as the kubelet reads), or with
// terminationMessagePolicy FallbackToLogsOnError and an empty file and a failure, the last
// 80 lines / 2 KiB of its log.

import { promises as fs } from "node:fs";
import type { ContainerState } from "../runtime/types";
import { Label } from "./labels";

const MAX_FILE = 4096;
const MAX_LOG_LINES = 80;
const MAX_LOG_BYTES = 2048;

async function readHead(file: string, max: number): Promise<string> {
  try {
    const fh = await fs.open(file, "r");
    try {
      const buf = Buffer.alloc(max);
      const { bytesRead } = await fh.read(buf, 0, max, 0);
      return buf.subarray(0, bytesRead).toString("utf8");
    } finally {
      await fh.close();
    }
  } catch {
    return "";
  }
}

/** The last lines of a CRI log, contents only (timestamps and stream tags stripped). */
async function logTail(file: string): Promise<string> {
  let text: string;
  try {
    const st = await fs.stat(file);
    const fh = await fs.open(file, "r");
    try {
      const len = Math.min(st.size, 64 * 1024);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, st.size - len);
      text = buf.toString("utf8");
    } finally {
      await fh.close();
    }
  } catch {
    return "";
  }
  const lines = text.split("\n").filter(Boolean);
  let out = "";
  for (const line of lines.slice(-MAX_LOG_LINES)) {
    const m = /^\S+ (?:stdout|stderr) ([PF])\S* ?(.*)$/.exec(line);
    if (m) out += m[1] === "F" ? `${m[2]}\n` : m[2];
  }
  return out.length > MAX_LOG_BYTES ? out.slice(out.length - MAX_LOG_BYTES) : out;
}

export async function terminationMessage(state: ContainerState): Promise<string> {
  const file = state.labels[Label.terminationLog];
  const fromFile = file ? await readHead(file, MAX_FILE) : "";
  if (fromFile) return fromFile;
  if (state.labels[Label.terminationMessagePolicy] === "FallbackToLogsOnError" && state.exitCode !== 0) return logTail(state.logPath);
  return "";
}
