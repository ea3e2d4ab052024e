import assert from "node:assert/strict";
import { test } from "node:test";
import { ServiceView } from "../../proto/gen/agent";
import { ServiceUpdates } from "./service-updates";

/** A fake cluster: key -> view fields; the builder reads it at build time. */
function cluster() {
  const state = new Map<string, Partial<ServiceView>>();
  let builds = 0;
  const updates = new ServiceUpdates((key) => {
    builds++;
    const v = state.get(key);
    return v && ServiceView.fromPartial({ namespace: key.split("/")[0], name: key.split("/")[1], ...v });
  });
  return { state, updates, builds: () => builds };
}

test("the first delta after seeding is empty; changes become upserts and removes, once", () => {
  const { state, updates } = cluster();
  state.set("a/web", { clusterIps: ["10.96.0.20"] });
  state.set("a/db", { clusterIps: ["10.96.0.21"] });
  updates.markDirty("a/web");
  updates.markDirty("a/db");
  assert.equal(updates.takeDelta()?.upsert.length, 2, "seeding");
  assert.equal(updates.takeDelta(), undefined);

  state.set("a/web", { clusterIps: ["10.96.0.20"], endpoints: [{ addresses: ["10.244.1.5"], ready: true, serving: true, terminating: false, nodeName: "", hostname: "", podName: "", ports: [], zone: "" }] });
  state.delete("a/db");
  updates.markDirty("a/web");
  updates.markDirty("a/db");
  const delta = updates.takeDelta();
  assert.deepEqual(delta?.upsert.map((v) => v.name), ["web"]);
  assert.deepEqual(delta?.remove, ["a/db"]);
  assert.equal(updates.takeDelta(), undefined);
});

test("many changes to one Service before a delta: one build, one upsert; a change that reverts sends nothing", () => {
  const { state, updates, builds } = cluster();
  state.set("a/web", { clusterIps: ["10.96.0.20"] });
  updates.markDirty("a/web");
  updates.takeDelta();
  const before = builds();
  for (let i = 0; i < 100; i++) updates.markDirty("a/web");
  state.set("a/web", { clusterIps: ["10.96.0.20"], publishNotReadyAddresses: true });
  assert.equal(updates.takeDelta()?.upsert.length, 1);
  assert.equal(builds() - before, 1);

  state.set("a/web", { clusterIps: ["10.96.0.20"], publishNotReadyAddresses: false });
  updates.markDirty("a/web");
  state.set("a/web", { clusterIps: ["10.96.0.20"], publishNotReadyAddresses: true });
  assert.equal(updates.takeDelta(), undefined, "same as what was sent");
});

test("full() shows pending changes at once and keeps them due for the next delta", () => {
  const { state, updates } = cluster();
  updates.takeDelta();
  state.set("b/web", {});
  state.set("a/web", {});
  updates.markDirty("b/web");
  updates.markDirty("a/web");
  assert.deepEqual(
    updates.full().map((v) => `${v.namespace}/${v.name}`),
    ["a/web", "b/web"],
  );
  assert.deepEqual(updates.takeDelta()?.upsert.map((v) => v.namespace), ["a", "b"], "sessions connected earlier still hear of them");
});
