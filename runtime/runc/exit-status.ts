// conmon's record of how a container ended: `<exit-dir>/<id>` holds the exit code (128+signal
// when killed by one) and is written once, after the output was drained to the log; its mtime
// is the moment the container finished. An `oom` file in the persist dir means the kernel
// reported an OOM event in the container's memory cgroup.

import { promises as fs } from "node:fs";

export interface ExitRecord {
  exitCode: number;
  finishedAt: Date;
}

export async function readExitFile(file: string): Promise<ExitRecord | undefined> {
  try {
    const [text, st] = await Promise.all([fs.readFile(file, "utf8"), fs.stat(file)]);
    const code = Number.parseInt(text.trim(), 10);
    // conmon writes the file in one go (g_file_set_contents: temp file + rename), so an
    // unparsable content means a foreign file, not a half-written one.
    if (!Number.isInteger(code)) return undefined;
    return { exitCode: code, finishedAt: st.mtime };
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Polls for the exit file. Polling (not inotify) because it is cheap at this rate and cannot
 *  miss a file created between a check and a watch being set up. */
export async function waitForExitFile(file: string, timeoutMs: number, pollMs = 25): Promise<ExitRecord | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rec = await readExitFile(file);
    if (rec || Date.now() >= deadline) return rec;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
