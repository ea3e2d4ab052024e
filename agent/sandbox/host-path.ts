// hostPath volume type checks, with the messages the kubelet gives when they fail.

import { promises as fs, type Stats } from "node:fs";
import { VolumeError } from "../pod-spec/errors";

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export async function checkHostPath(volume: string, p: string, type: string): Promise<void> {
  const fail = (what: string) => {
    throw new VolumeError(volume, `hostPath type check failed: ${p} ${what}`);
  };
  let st = await statOrUndefined(p);
  switch (type) {
    case "":
      return;
    case "DirectoryOrCreate":
      if (!st) await fs.mkdir(p, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail("is not a directory");
      return;
    case "FileOrCreate":
      if (!st) {
        await fs.writeFile(p, "", { mode: 0o644, flag: "a" }).catch((err: NodeJS.ErrnoException) => fail(`could not be created: ${err.code ?? err.message}`));
        st = await statOrUndefined(p);
      }
      if (st && !st.isFile()) fail("is not a file");
      return;
    case "Directory":
      if (!st?.isDirectory()) fail("is not a directory");
      return;
    case "File":
      if (!st?.isFile()) fail("is not a file");
      return;
    case "Socket":
      if (!st?.isSocket()) fail("is not a socket file");
      return;
    case "CharDevice":
      if (!st?.isCharacterDevice()) fail("is not a character device");
      return;
    case "BlockDevice":
      if (!st?.isBlockDevice()) fail("is not a block device");
      return;
    default:
      fail(`has an unknown hostPath type ${JSON.stringify(type)}`);
  }
}
