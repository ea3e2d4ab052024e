// Strategic-merge directives and edge cases, checked against the outcomes apimachinery's own
// test table specifies (pkg/util/strategicpatch/patch_test.go), on real Gantry kinds.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../errors";
import type { JsonObject } from "../object";
import { applyStrategicMergePatch } from "./strategic-merge-patch";
import { patchMetaAt } from "./patch-metadata";

function apiError(fn: () => unknown, code: number, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message + JSON.stringify(err.details ?? {}), message);
    return true;
  });
}

const node = (podCIDRs?: string[]): JsonObject => ({ kind: "Node", metadata: { name: "n" }, spec: podCIDRs ? { podCIDRs } : {} });
const cidrs = (obj: JsonObject) => (obj.spec as JsonObject).podCIDRs;
const pod = (containers: unknown[], extra: JsonObject = {}): JsonObject => ({ kind: "Pod", metadata: { name: "p" }, spec: { containers, ...extra } });
const specOf = (obj: JsonObject) => obj.spec as JsonObject;

test("primitive merge lists are sets ordered by the patch", () => {
  assert.deepEqual(cidrs(applyStrategicMergePatch("Node", node(["a", "b"]), { spec: { podCIDRs: ["b", "c"] } })), ["a", "b", "c"]);
  assert.deepEqual(cidrs(applyStrategicMergePatch("Node", node(["1", "2", "3"]), { spec: { podCIDRs: ["3", "1"] } })), ["2", "3", "1"]);
  assert.deepEqual(cidrs(applyStrategicMergePatch("Node", node(["1", "2", "3"]), { spec: { podCIDRs: ["3", "1", "2"] } })), ["3", "1", "2"]);
});

test("$setElementOrder may name items the list does not have", () => {
  const out = applyStrategicMergePatch("Node", node(["1", "3"]), { spec: { "$setElementOrder/podCIDRs": ["3", "2", "1"] } });
  assert.deepEqual(cidrs(out), ["3", "1"]);
  const objs = applyStrategicMergePatch("Pod", pod([{ name: "1" }, { name: "3" }]), {
    spec: { "$setElementOrder/containers": [{ name: "3" }, { name: "2" }, { name: "1" }], containers: [{ name: "3", image: "c" }, { name: "1", image: "a" }] },
  });
  assert.deepEqual(specOf(objs).containers, [{ name: "3", image: "c" }, { name: "1", image: "a" }]);
});

test("$setElementOrder that contradicts the patch list is rejected", () => {
  apiError(
    () =>
      applyStrategicMergePatch("Pod", pod([{ name: "1" }, { name: "3" }, { name: "2" }]), {
        spec: { "$setElementOrder/containers": [{ name: "1" }, { name: "2" }, { name: "3" }], containers: [{ name: "3", image: "x" }, { name: "1", image: "y" }] },
      }),
    400,
    /doesn't match \$setElementOrder list/,
  );
  apiError(() => applyStrategicMergePatch("Node", node(["1"]), { spec: { "$setElementOrder/podCIDRs": "1" } }), 400, /expected a slice/);
  apiError(() => applyStrategicMergePatch("Node", node(["1"]), { spec: { $setElementOrderpodCIDRs: ["1"] } }), 400, /invalid patch format of setElementOrder list/);
});

test("list items must carry their merge key", () => {
  apiError(() => applyStrategicMergePatch("Pod", pod([{ name: "a" }]), { spec: { containers: [{ image: "b" }] } }), 400, /does not contain declared merge key: name/);
  apiError(() => applyStrategicMergePatch("Pod", pod([{ name: "a" }]), { spec: { containers: [{ $patch: "delete" }] } }), 400, /merge key: name/);
});

test("$deleteFromPrimitiveList: removes values, never creates the list, works on atomic lists too", () => {
  assert.deepEqual(cidrs(applyStrategicMergePatch("Node", node(["1", "2", "3"]), { spec: { "$deleteFromPrimitiveList/podCIDRs": ["2"] } })), ["1", "3"]);
  assert.deepEqual(cidrs(applyStrategicMergePatch("Node", node(["1", "2"]), { spec: { "$deleteFromPrimitiveList/podCIDRs": ["3"] } })), ["1", "2"]);
  assert.equal(cidrs(applyStrategicMergePatch("Node", node(), { spec: { "$deleteFromPrimitiveList/podCIDRs": ["3"] } })), undefined);
  const withArgs = pod([{ name: "a", args: ["x", "y", "z"] }]);
  const out = applyStrategicMergePatch("Pod", withArgs, { spec: { containers: [{ name: "a", "$deleteFromPrimitiveList/args": ["y"] }] } });
  assert.deepEqual(specOf(out).containers, [{ name: "a", args: ["x", "z"] }]);
  apiError(() => applyStrategicMergePatch("Node", node(["1"]), { spec: { "$deleteFromPrimitiveList/podCIDRs": "1" } }), 400, /primitive list/);
});

test("$setElementOrder with $deleteFromPrimitiveList keeps server-only values after the named ones", () => {
  const out = applyStrategicMergePatch("Node", node(["1", "2", "3", "4"]), {
    spec: { "$setElementOrder/podCIDRs": ["1", "2", "4"], "$deleteFromPrimitiveList/podCIDRs": ["3"], podCIDRs: ["4"] },
  });
  assert.deepEqual(cidrs(out), ["1", "2", "4"]);
});

test("$patch: replace as a list item replaces the whole list; alone it empties it", () => {
  const live = pod([{ name: "a", image: "x" }, { name: "b", image: "y" }]);
  const out = applyStrategicMergePatch("Pod", live, { spec: { containers: [{ name: "c", image: "z" }, { $patch: "replace" }] } });
  assert.deepEqual(specOf(out).containers, [{ name: "c", image: "z" }]);
  assert.deepEqual(specOf(applyStrategicMergePatch("Pod", live, { spec: { containers: [{ $patch: "replace" }] } })).containers, []);
});

test("$patch on maps: replace swaps the map, delete empties it, merge is the default", () => {
  const live = pod([], { nodeSelector: { disk: "ssd", zone: "a" } });
  const replaced = applyStrategicMergePatch("Pod", live, { spec: { nodeSelector: { $patch: "replace", zone: "b" } } });
  assert.deepEqual(specOf(replaced).nodeSelector, { zone: "b" });
  assert.deepEqual(specOf(applyStrategicMergePatch("Pod", live, { spec: { nodeSelector: { $patch: "delete" } } })).nodeSelector, {});
  assert.deepEqual(specOf(applyStrategicMergePatch("Pod", live, { spec: { nodeSelector: { $patch: "merge", zone: "c" } } })).nodeSelector, { disk: "ssd", zone: "c" });
  // Deleting a map the object does not have leaves it absent rather than creating {}.
  assert.equal(specOf(applyStrategicMergePatch("Pod", pod([]), { spec: { nodeSelector: { $patch: "delete" } } })).nodeSelector, undefined);
  apiError(() => applyStrategicMergePatch("Pod", live, { spec: { nodeSelector: { $patch: "bogus" } } }), 400, /unknown patch type: bogus/);
});

test("$patch: delete removes every duplicate of the key", () => {
  const live = pod([{ name: "1" }, { name: "1" }, { name: "2", image: "a" }, { name: "3" }, { name: "3" }]);
  const out = applyStrategicMergePatch("Pod", live, { spec: { containers: [{ name: "1", $patch: "delete" }, { name: "3", $patch: "delete" }] } });
  assert.deepEqual(specOf(out).containers, [{ name: "2", image: "a" }]);
});

test("$patch: merge inside a list, or an unknown directive, is rejected", () => {
  apiError(() => applyStrategicMergePatch("Pod", pod([{ name: "a" }]), { spec: { containers: [{ name: "a", $patch: "merge" }] } }), 400, /merging lists cannot yet be specified/);
  apiError(() => applyStrategicMergePatch("Pod", pod([{ name: "a" }]), { spec: { containers: [{ name: "a", $patch: "nope" }] } }), 400, /unknown patch type/);
});

test("$retainKeys on volumes: switching a volume's source (what kubectl apply sends)", () => {
  const live = pod([], { volumes: [{ name: "cache", emptyDir: {} }, { name: "data", hostPath: { path: "/d" } }] });
  const out = applyStrategicMergePatch("Pod", live, {
    spec: { volumes: [{ name: "cache", $retainKeys: ["configMap", "name"], configMap: { name: "cfg" }, emptyDir: null }] },
  });
  assert.deepEqual(specOf(out).volumes, [{ name: "cache", configMap: { name: "cfg" } }, { name: "data", hostPath: { path: "/d" } }]);
});

test("$retainKeys must list every key the patch sets, and be a list", () => {
  const deploy = { kind: "Deployment", metadata: { name: "d" }, spec: { strategy: { type: "RollingUpdate" } } };
  apiError(() => applyStrategicMergePatch("Deployment", deploy, { spec: { strategy: { $retainKeys: ["type"], rollingUpdate: {} } } }), 400, /invalid patch format of retainKeys/);
  apiError(() => applyStrategicMergePatch("Deployment", deploy, { spec: { strategy: { $retainKeys: "type" } } }), 400, /retainKeys/);
});

test("lists of lists are 422s; mixed element types are 400s", () => {
  apiError(() => applyStrategicMergePatch("Node", node(["a"]), { spec: { podCIDRs: [["b"]] } }), 422, /lists of lists are not supported/);
  apiError(() => applyStrategicMergePatch("Node", node(["a"]), { spec: { podCIDRs: [1] } }), 400, /list element types are not identical/);
});

test("values new to the object are merged into emptiness: no directive or null is stored", () => {
  const out = applyStrategicMergePatch("Pod", { kind: "Pod", metadata: { name: "p" }, spec: {} }, {
    spec: {
      nodeSelector: { disk: "ssd", gone: null },
      containers: [{ name: "a", image: "x", env: [{ name: "A", value: null }] }, { name: "b", $patch: "delete" }],
      "$setElementOrder/initContainers": [{ name: "i" }],
      initContainers: [{ name: "i", image: "busybox" }],
    },
  });
  assert.deepEqual(out.spec, {
    nodeSelector: { disk: "ssd" },
    containers: [{ name: "a", image: "x", env: [{ name: "A" }] }],
    initContainers: [{ name: "i", image: "busybox" }],
  });
});

test("a value of another JSON type replaces the original; null deletes", () => {
  const out = applyStrategicMergePatch("ConfigMap", { kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" }, extra: "x" }, { data: "oops", extra: null });
  assert.deepEqual(out, { kind: "ConfigMap", metadata: { name: "c" }, data: "oops" });
});

test("ownerReferences merge by uid", () => {
  const owner = (uid: string, name: string) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", name, uid });
  const live = { kind: "Pod", metadata: { name: "p", ownerReferences: [owner("u1", "a")] }, spec: {} };
  const out = applyStrategicMergePatch("Pod", live, { metadata: { ownerReferences: [{ ...owner("u1", "a"), controller: true }, owner("u2", "b")] } });
  assert.deepEqual((out.metadata as JsonObject).ownerReferences, [{ ...owner("u1", "a"), controller: true }, owner("u2", "b")]);
});

test("kinds without strategic-merge metadata are refused with a 415", () => {
  apiError(() => applyStrategicMergePatch("Widget", { metadata: {} }, {}), 415, /strategic merge patch is not supported for Widget/);
});

test("inputs are never mutated and the result shares no structure with them", () => {
  const live = pod([{ name: "a", image: "x", env: [{ name: "A", value: "1" }] }], { nodeSelector: { z: "1" } });
  const patch = { spec: { containers: [{ name: "b", image: "y", env: [{ name: "B", value: "2" }] }], tolerations: [{ key: "t" }] } };
  const snapshot = structuredClone({ live, patch });
  const out = applyStrategicMergePatch("Pod", live, patch);
  assert.deepEqual({ live, patch }, snapshot);
  const spec = out.spec as { containers: { env: { value: string }[] }[]; nodeSelector: Record<string, string>; tolerations: { key: string }[] };
  for (const c of spec.containers) c.env[0].value = "mutated";
  spec.nodeSelector.z = "mutated";
  spec.tolerations[0].key = "mutated";
  assert.deepEqual({ live, patch }, snapshot);
});

test("the metadata table matches the k8s.io/api struct tags", () => {
  const c = ["spec", "template", "spec", "containers"];
  assert.deepEqual(
    { strategy: patchMetaAt("Deployment", c).strategy, mergeKey: patchMetaAt("Deployment", c).mergeKey },
    { strategy: "merge", mergeKey: "name" },
  );
  assert.equal(patchMetaAt("Deployment", [...c, "ports"]).mergeKey, "containerPort");
  assert.equal(patchMetaAt("Deployment", [...c, "volumeMounts"]).mergeKey, "mountPath");
  assert.equal(patchMetaAt("CronJob", ["spec", "jobTemplate", "spec", "template", "spec", "containers", "env"]).mergeKey, "name");
  assert.equal(patchMetaAt("Pod", ["spec", "volumes"]).retainKeys, true);
  assert.equal(patchMetaAt("Deployment", ["spec", "strategy"]).retainKeys, true);
  assert.equal(patchMetaAt("Service", ["spec", "ports"]).mergeKey, "port");
  assert.equal(patchMetaAt("Node", ["status", "addresses"]).mergeKey, "type");
  assert.equal(patchMetaAt("Pod", ["metadata", "finalizers"]).strategy, "merge");
  assert.equal(patchMetaAt("Pod", ["metadata", "finalizers"]).mergeKey, undefined);
  // Atomic in Kubernetes: no strategy.
  assert.equal(patchMetaAt("Pod", ["spec", "tolerations"]).strategy, undefined);
  assert.equal(patchMetaAt("Node", ["spec", "taints"]).strategy, undefined);
  assert.equal(patchMetaAt("ServiceAccount", ["imagePullSecrets"]).strategy, undefined);
  assert.equal(patchMetaAt("ServiceAccount", ["secrets"]).mergeKey, "name");
});
