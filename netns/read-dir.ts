// Directory listings of state directories that may not exist yet (nothing made there so far).

import { promises as fs } from "node:fs";

/** The names in `dir`, or none when it does not exist. */
export async function readDirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}
