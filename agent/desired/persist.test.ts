import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mountsUnder, readMountInfo } from "../../netns/mountinfo";
import { run } from "../../netns/run";
import { DesiredStore, type PersistedDesired } from "./persist";

test("desired state round-trips; Secret data goes only to the tmpfs", async (t) => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-persist-"));
  t.after(async () => {
    for (const m of mountsUnder(await readMountInfo(), root)) await run(["umount", "--lazy", m.mountPoint]);
    await fs.rm(root, { recursive: true, force: true });
  });
  const dataDir = path.join(root, "data");
  const secretsDir = path.join(root, "run", "secrets");
  const store = new DesiredStore(dataDir, secretsDir);
  await store.init();
  assert.equal((await readMountInfo()).find((m) => m.mountPoint === secretsDir)?.fsType, "tmpfs");
  assert.equal(await store.load(), undefined);
  const state: PersistedDesired = {
    generation: 7,
    leaderEpoch: 3,
    pods: [{ uid: "u", namespace: "ns", name: "p", resourceVersion: "5", podJson: "{}" }],
    volumeData: [
      { kind: "ConfigMap", namespace: "ns", name: "cfg", resourceVersion: "1", exists: true, type: "", data: { a: Buffer.from("config-value") } },
      { kind: "Secret", namespace: "ns", name: "s", resourceVersion: "2", exists: true, type: "Opaque", data: { pw: Buffer.from("top-secret-value") } },
    ],
  };
  // Several saves in a row collapse; the last one wins.
  void store.save({ ...state, generation: 6 });
  await store.save(state);
  assert.deepEqual(await store.load(), state);
  const onDisk = await fs.readFile(path.join(dataDir, "desired.json"), "utf8");
  assert.doesNotMatch(onDisk, /top-secret|dG9wLXNlY3JldC12YWx1ZQ/, "no secret bytes in the data dir");
  assert.match(onDisk, /Y29uZmlnLXZhbHVl/);
  // A second init (agent restart) does not stack another tmpfs over the first.
  await new DesiredStore(dataDir, secretsDir).init();
  assert.equal(mountsUnder(await readMountInfo(), secretsDir).length, 1);
  assert.deepEqual(await new DesiredStore(dataDir, secretsDir).load(), state);
});
