import { test } from "node:test";
import assert from "node:assert/strict";
import { ATOMIC_STRUCTS, FIELD_EXTENSIONS, withKubernetesExtensions } from "./extensions";
import type { Schema } from "./types";

test("the hand-written table is self-consistent", () => {
  for (const [schema, fields] of Object.entries(FIELD_EXTENSIONS)) {
    for (const [field, e] of Object.entries(fields)) {
      const where = `${schema}.${field}`;
      if (e.key) assert.ok(e.strategy?.includes("merge"), `${where}: a merge key without the merge strategy is ignored by kubectl`);
      if (e.list === "map") assert.ok(e.mapKeys && e.mapKeys.length > 0, `${where}: list-type map needs map keys`);
      if (e.mapKeys) assert.equal(e.list, "map", `${where}: map keys only mean something on a list-type map`);
      if (e.key && e.list === "map") assert.ok(e.mapKeys?.includes(e.key), `${where}: the merge key should be one of the map keys`);
    }
  }
});

test("the fields kubectl apply merges by key are marked the upstream way", () => {
  const podSpec = FIELD_EXTENSIONS["io.k8s.api.core.v1.PodSpec"];
  assert.deepEqual(podSpec.containers, { strategy: "merge", key: "name", list: "map", mapKeys: ["name"] });
  assert.equal(podSpec.volumes.strategy, "merge,retainKeys");
  assert.equal(FIELD_EXTENSIONS["io.k8s.api.core.v1.Container"].env.key, "name");
  assert.equal(FIELD_EXTENSIONS["io.k8s.api.core.v1.Container"].volumeMounts.key, "mountPath");
  assert.deepEqual(FIELD_EXTENSIONS["io.k8s.api.core.v1.ServiceSpec"].ports.mapKeys, ["port", "protocol"]);
  assert.equal(FIELD_EXTENSIONS["io.k8s.api.apps.v1.DeploymentSpec"].strategy.strategy, "retainKeys");
  assert.equal(FIELD_EXTENSIONS["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].ownerReferences.key, "uid");
});

/** A catalogue holding every schema and field the table names, as bare arrays. */
function skeleton(): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const [name, fields] of Object.entries(FIELD_EXTENSIONS)) {
    out[name] = { type: "object", properties: Object.fromEntries(Object.keys(fields).map((f) => [f, { type: "array", items: { type: "string" } } as Schema])) };
  }
  for (const name of ATOMIC_STRUCTS) out[name] ??= { type: "object", properties: {} };
  return out;
}

test("extensions are written onto a copy; the input stays untouched", () => {
  const input = skeleton();
  const before = JSON.stringify(input);
  const out = withKubernetesExtensions(input);
  assert.equal(JSON.stringify(input), before);
  const containers = out["io.k8s.api.core.v1.PodSpec"].properties?.containers;
  assert.equal(containers?.["x-kubernetes-patch-strategy"], "merge");
  assert.equal(containers?.["x-kubernetes-patch-merge-key"], "name");
  assert.equal(containers?.["x-kubernetes-list-type"], "map");
  assert.deepEqual(containers?.["x-kubernetes-list-map-keys"], ["name"]);
  assert.equal(out["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]["x-kubernetes-map-type"], "atomic");
});

test("a schema or field that no longer exists is an error, not a silent drop", () => {
  const noSchema = skeleton();
  delete noSchema["io.k8s.api.core.v1.PodSpec"];
  assert.throws(() => withKubernetesExtensions(noSchema), /io\.k8s\.api\.core\.v1\.PodSpec is missing/);
  const noField = skeleton();
  delete noField["io.k8s.api.core.v1.Container"].properties?.env;
  assert.throws(() => withKubernetesExtensions(noField), /io\.k8s\.api\.core\.v1\.Container has no field "env"/);
});
