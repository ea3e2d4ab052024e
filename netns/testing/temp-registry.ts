// A NetnsRegistry in a fresh temp directory for tests: every namespace made in it is unmounted
// and the directory removed after the test, also when it fails.

import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mountsUnder, readMountInfo } from "../mountinfo";
import { NetnsRegistry } from "../netns";
import { run } from "../run";

export async function tempRegistry(t: { after: (fn: () => Promise<void>) => void }, prefix = "gantry-netns-"): Promise<NetnsRegistry> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const registry = new NetnsRegistry(dir);
  t.after(async () => {
    for (const m of mountsUnder(await readMountInfo(), dir)) await run(["umount", "--lazy", m.mountPoint]).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });
  return registry;
}
