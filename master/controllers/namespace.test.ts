// The namespace controller on a real etcd whose watch of namespaces starts below a compaction
// (410 Expired): it must keep reacting to deletions within seconds, not only at its periodic
// resync (a minute here).

import assert from "node:assert/strict";
import { test } from "node:test";
import { findResource } from "../../api/resources";
import { ApiContext } from "../registry/context";
import { ResourceClient } from "../registry/internal-client";
import { ensureSystemNamespaces } from "../bootstrap";
import { interceptWatches, startTestEtcd } from "../store/testing";
import { TEST_ADMIN } from "../registry/testing";
import { NamespaceController } from "./namespace";

const NAMESPACES = findResource("", "v1", "namespaces")!;
const CONFIGMAPS = findResource("", "v1", "configmaps")!;

test("after its namespace watch got 410 Expired, the namespace controller still empties and removes a deleted namespace within seconds", { timeout: 60_000 }, async (t) => {
  const etcd = await startTestEtcd();
  t.after(() => etcd.stop());
  const intercepted = interceptWatches(etcd.store);
  const ctx = new ApiContext(intercepted.store);
  await ensureSystemNamespaces(ctx);
  await ctx.namespaces.start();
  t.after(() => ctx.namespaces.stop());
  const namespaces = new ResourceClient(ctx, NAMESPACES, TEST_ADMIN);
  const configmaps = new ResourceClient(ctx, CONFIGMAPS, TEST_ADMIN);
  await namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "doomed" } });
  await configmaps.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "doomed" } });

  // Two writes, so the compaction passes the revision the watch starts at (list revision + 1).
  const compacted = intercepted.compactBeforeNextWatch("/registry/namespaces/", async () => {
    await namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } });
    await namespaces.update(undefined, "other", (ns) => ({ ...ns, metadata: { ...ns.metadata, labels: { touched: "yes" } } }));
    await etcd.store.compact(await etcd.store.currentRevision());
  });
  const logged: string[] = [];
  const controller = new NamespaceController(ctx, (msg) => logged.push(msg), 60_000);
  await controller.start();
  t.after(() => controller.stop());
  await compacted;

  await namespaces.delete(undefined, "doomed");
  const deadline = Date.now() + 10_000;
  while ((await namespaces.tryGet(undefined, "doomed")) !== undefined) {
    assert.ok(Date.now() < deadline, `namespace "doomed" still there after 10s (controller log: ${logged.join("; ")})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await configmaps.tryGet("doomed", "cm"), undefined);
  assert.ok(await namespaces.tryGet(undefined, "other"));
  assert.ok(logged.some((m) => m.includes("relisting")), `the 410 was seen: ${logged.join("; ")}`);
});
