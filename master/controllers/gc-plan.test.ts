import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject, OwnerReference } from "../../api/object";
import { classifyOwners, decideDependent, decideOwner, type OwnerState } from "./gc-plan";

const ref = (uid: string, block = true): OwnerReference => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name: uid, uid, controller: true, blockOwnerDeletion: block });
const obj = (uid: string, meta: Partial<KubeObject["metadata"]> = {}): KubeObject => ({ metadata: { name: uid, namespace: "default", uid, ...meta } });
const present = (o: KubeObject): OwnerState => ({ kind: "present", owner: o });
const ABSENT: OwnerState = { kind: "absent" };
const deleting = (uid: string, finalizers: string[]) => obj(uid, { deletionTimestamp: "2024-01-01T00:00:00Z", finalizers });

test("owner references are solid, dangling (gone or another uid) or waiting (foreground deletion)", () => {
  const refs = [ref("a"), ref("b"), ref("c"), ref("d"), ref("e")];
  const c = classifyOwners(refs, [present(obj("a")), ABSENT, present(obj("other-uid")), present(deleting("d", ["foregroundDeletion"])), { kind: "unknown" }]);
  assert.deepEqual(c.solid.map((r) => r.uid), ["a", "e"]);
  assert.deepEqual(c.dangling.map((r) => r.uid), ["b", "c"]);
  assert.deepEqual(c.waiting.map((r) => r.uid), ["d"]);
  // An owner being deleted in the background or orphaning is still solid until it is gone.
  assert.equal(classifyOwners([ref("x")], [present(deleting("x", ["orphan"]))]).solid.length, 1);
});

test("dependents: deleted when no solid owner is left, references pruned when one is", () => {
  const dep = obj("pod", { ownerReferences: [ref("rs")] });
  const none = { solid: [], dangling: [], waiting: [] };
  assert.deepEqual(decideDependent(dep, { ...none, dangling: [ref("rs")] }, false), { action: "delete", propagationPolicy: "Background" });
  assert.deepEqual(decideDependent(dep, { ...none, solid: [ref("rs")] }, false), { action: "none" });
  assert.deepEqual(decideDependent(dep, { solid: [ref("x")], dangling: [ref("rs")], waiting: [ref("w")] }, false), { action: "removeOwnerRefs", uids: ["rs", "w"] });
  // Waiting owner: a dependent with dependents of its own goes in the foreground, a leaf in the background.
  assert.deepEqual(decideDependent(dep, { ...none, waiting: [ref("d")] }, true), { action: "delete", propagationPolicy: "Foreground" });
  assert.deepEqual(decideDependent(dep, { ...none, waiting: [ref("d")] }, false), { action: "delete", propagationPolicy: "Background" });
  // The dependent's own finalizers choose the propagation.
  assert.deepEqual(decideDependent(obj("rs", { ownerReferences: [ref("d")], finalizers: ["orphan"] }), { ...none, dangling: [ref("d")] }, true), { action: "delete", propagationPolicy: "Orphan" });
  // Already terminating, or no owners at all: nothing to do.
  assert.deepEqual(decideDependent(obj("p", { ownerReferences: [ref("rs")], deletionTimestamp: "2024-01-01T00:00:00Z" }), { ...none, dangling: [ref("rs")] }, false), { action: "none" });
  assert.deepEqual(decideDependent(obj("p"), none, false), { action: "none" });
});

test("owners: orphan strips references then the finalizer; foreground waits for blocking dependents", () => {
  const owner = deleting("rs", ["orphan"]);
  const p1 = obj("p1", { ownerReferences: [ref("rs")] });
  const p2 = obj("p2", { ownerReferences: [ref("rs", false)] });
  const unrelated = obj("p3", { ownerReferences: [ref("zz")] });
  assert.deepEqual(decideOwner(owner, [p1, p2, unrelated]), { action: "orphan", dependents: [p1, p2] });
  assert.deepEqual(decideOwner(owner, [unrelated]), { action: "removeFinalizer", finalizer: "orphan" });
  const fg = deleting("rs", ["foregroundDeletion"]);
  assert.deepEqual(decideOwner(fg, [p1, p2]), { action: "deleteDependents", dependents: [p1, p2] });
  // Only non-blocking dependents left: the owner may go (they are collected after it).
  assert.deepEqual(decideOwner(fg, [p2]), { action: "removeFinalizer", finalizer: "foregroundDeletion" });
  assert.deepEqual(decideOwner(obj("rs"), [p1]), { action: "none" });
  assert.deepEqual(decideOwner(deleting("rs", ["example.com/other"]), [p1]), { action: "none" });
});
