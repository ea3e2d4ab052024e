import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Schema } from "../../../api/openapi/types";
import { generateSchemas, servedModules } from "./generate-schemas";
import { defaultSchemasFile } from "./openapi-v3";

const typesRoot = path.dirname(require.resolve("kubernetes-types/package.json"));
const generated = generateSchemas(typesRoot, servedModules());

test("the committed k8s-schemas.json is exactly what the generator produces (no hand edits, no drift)", () => {
  const committed = JSON.parse(readFileSync(defaultSchemasFile(), "utf8")) as { generatedFrom: string; schemas: Record<string, Schema> };
  const version = (JSON.parse(readFileSync(path.join(typesRoot, "package.json"), "utf8")) as { version: string }).version;
  assert.equal(committed.generatedFrom, `kubernetes-types@${version}`);
  assert.deepEqual(committed.schemas, generated, "run: node dist/master/apiserver/openapi/generate-schemas.js");
});

test("kinds get their group-version-kind from the declared apiVersion and kind", () => {
  assert.deepEqual(generated["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"], [{ group: "apps", kind: "Deployment", version: "v1" }]);
  assert.deepEqual(generated["io.k8s.api.core.v1.Pod"]["x-kubernetes-group-version-kind"], [{ group: "", kind: "Pod", version: "v1" }]);
  assert.equal(generated["io.k8s.api.core.v1.PodSpec"]["x-kubernetes-group-version-kind"], undefined);
});

test("declarations become upstream-shaped schemas", () => {
  const spec = generated["io.k8s.api.apps.v1.DeploymentSpec"];
  assert.deepEqual(spec.required, ["selector", "template"]);
  assert.deepEqual(spec.properties?.selector.allOf, [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector" }]);
  assert.deepEqual(spec.properties?.replicas, { description: spec.properties?.replicas.description, type: "integer", format: "int32" });
  const rolling = generated["io.k8s.api.apps.v1.RollingUpdateDeployment"].properties;
  assert.deepEqual(rolling?.maxSurge.allOf, [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString" }]);
  const limits = generated["io.k8s.api.core.v1.ResourceRequirements"].properties?.limits;
  assert.deepEqual(limits?.additionalProperties, { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity" });
  assert.equal(generated["io.k8s.api.core.v1.PodSpec"].properties?.terminationGracePeriodSeconds.format, "int64");
  assert.equal(generated["io.k8s.apimachinery.pkg.apis.meta.v1.Time"].format, "date-time");
  assert.equal(generated["io.k8s.api.core.v1.Secret"].properties?.data.additionalProperties && (generated["io.k8s.api.core.v1.Secret"].properties?.data.additionalProperties as Schema).format, "byte");
});

test("the served modules cover every served group-version plus Scale and Eviction", () => {
  assert.deepEqual(servedModules().sort(), ["apps/v1", "authentication/v1", "authorization/v1", "autoscaling/v1", "autoscaling/v2", "batch/v1", "certificates/v1", "coordination/v1", "core/v1", "discovery/v1", "policy/v1", "rbac/v1"]);
});
