import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { defaultKubernetesSchema, defaultSchemaDirs, loadKubernetesSchema } from "./schema";
import { isInline, isPointer } from "./to-json";

describe("loading the schema", () => {
  it("finds the .proto files in the source tree when running from dist/", () => {
    const source = defaultSchemaDirs().find((d) => fs.existsSync(path.join(d, "core.proto")));
    assert.ok(source, `no schema in ${defaultSchemaDirs().join(", ")}`);
    assert.equal(path.basename(source), "schema");
    assert.ok(fs.existsSync(path.join(source, "options.proto")));
  });

  it("says where it looked when the files are missing", () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-schema-"));
    try {
      assert.throws(() => loadKubernetesSchema(empty), /core\.proto|runtime\.proto|ENOENT/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it("maps every served kind to a message whose field 1 is ObjectMeta", () => {
    const schema = defaultKubernetesSchema();
    assert.ok(schema.kinds.length >= 14);
    for (const key of schema.kinds) {
      const slash = key.lastIndexOf("/");
      const type = schema.typeFor(key.slice(0, slash), key.slice(slash + 1));
      assert.ok(type, key);
      assert.equal(type.fieldsById[1].resolvedType?.fullName, ".k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta", key);
    }
    assert.equal(schema.typeFor("v1", "DeleteOptions")?.fullName, ".k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions");
    assert.equal(schema.typeFor("v1", "Node"), undefined);
  });

  it("reads the pointer and inline annotations", () => {
    const { root } = defaultKubernetesSchema();
    const field = (type: string, name: string) => root.lookupType(type).fields[name];
    assert.equal(isPointer(field("k8s.io.api.apps.v1.DeploymentSpec", "replicas")), true);
    assert.equal(isPointer(field("k8s.io.api.apps.v1.DeploymentSpec", "minReadySeconds")), false);
    assert.equal(isInline(field("k8s.io.api.core.v1.Probe", "handler")), true);
    assert.equal(isInline(field("k8s.io.api.core.v1.Probe", "initialDelaySeconds")), false);
  });
});
