import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../../api/errors";
import { FieldChecker, parseFieldValidation, strictDecodingError, typeMismatchError, unknownFieldWarnings } from "./field-validation";
import { loadSchemas } from "./openapi/openapi-v3";

const checker = new FieldChecker(loadSchemas());

// The test adds fields the types do not have.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

const deployment = () => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    labels: { app: "web", "any/key": "x" },
    annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{\"spec\":{\"replcas\":3}}" },
    managedFields: [{ manager: "kubectl", operation: "Update", fieldsV1: { "f:spec": { "f:replicas": {} } } }],
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [
          { name: "web", image: "nginx", ports: [{ containerPort: 80 }], resources: { limits: { cpu: "100m", memory: "64Mi" } }, env: [{ name: "A", value: "b" }] },
        ],
        volumes: [{ name: "v", emptyDir: {} }],
      },
    },
  },
  status: { replicas: 2, conditions: [{ type: "Available", status: "True" }] },
});

test("a well-formed Deployment has no unknown fields", () => {
  assert.deepEqual(checker.unknownFields("apps", "v1", "Deployment", deployment()), []);
});

test("unknown fields are named by path, lists by index, in body order", () => {
  const d = deployment() as Loose;
  d.spec.replcas = 3;
  d.spec.template.spec.containers[0].imagePullPolcy = "Always";
  d.metadata.lables = {};
  d.extra = true;
  assert.deepEqual(checker.unknownFields("apps", "v1", "Deployment", d), [
    "metadata.lables",
    "spec.template.spec.containers[0].imagePullPolcy",
    "spec.replcas", // added after template: body (key) order
    "extra",
  ]);
});

test("maps accept any key; quantities, int-or-string and FieldsV1 accept any value", () => {
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { anything: "x" }, binaryData: { b: "AA==" } };
  assert.deepEqual(checker.unknownFields("", "v1", "ConfigMap", cm), []);
  assert.deepEqual(checker.unknownFields("", "v1", "ConfigMap", { ...cm, date: {} }), ["date"]);
});

test("prune deletes the unknown fields", () => {
  const d = deployment() as Loose;
  d.spec.replcas = 3;
  assert.deepEqual(checker.unknownFields("apps", "v1", "Deployment", d, true), ["spec.replcas"]);
  assert.equal("replcas" in d.spec, false);
  assert.deepEqual(d.spec.replicas, 2);
});

test("recursive and every served kind compile; unknown kinds are not checked", () => {
  assert.equal(checker.knows("apps", "v1", "Deployment"), true);
  assert.deepEqual(checker.unknownFields("example.com", "v1", "Widget", { nope: 1 }), []);
  for (const k of [["", "v1", "Pod"], ["", "v1", "Service"], ["batch", "v1", "CronJob"], ["autoscaling", "v2", "HorizontalPodAutoscaler"], ["autoscaling", "v1", "HorizontalPodAutoscaler"]]) {
    assert.equal(checker.knows(k[0], k[1], k[2]), true, k.join("/"));
    assert.deepEqual(checker.unknownFields(k[0], k[1], k[2], { apiVersion: "x", kind: k[2], metadata: { name: "a" }, spec: {} }), []);
  }
});

test("parseFieldValidation", () => {
  assert.equal(parseFieldValidation(new URLSearchParams("")), "Ignore");
  assert.equal(parseFieldValidation(new URLSearchParams("fieldValidation=Strict")), "Strict");
  assert.equal(parseFieldValidation(new URLSearchParams("fieldValidation=Warn")), "Warn");
  assert.equal(parseFieldValidation(new URLSearchParams("fieldValidation=Ignore")), "Ignore");
  assert.throws(() => parseFieldValidation(new URLSearchParams("fieldValidation=strictly")), (e: unknown) => e instanceof ApiError && e.code === 400 && /fieldValidation/.test(e.message));
});

test("the messages are Kubernetes'", () => {
  assert.equal(
    strictDecodingError("Deployment", "v1", ["a", "b"]).message,
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "a", unknown field "b"',
  );
  assert.deepEqual(unknownFieldWarnings(["spec.replcas"]), ['299 - "unknown field \\"spec.replcas\\""']);
});

test("values of the wrong JSON type are reported with the Go struct and type, and not looked into", () => {
  let deep: Loose = { unknownField: 1 };
  for (let i = 0; i < 1000; i++) deep = { x: deep };
  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", annotations: { a: deep } }, data: { k: ["v"] } };
  const report = checker.inspect("", "v1", "ConfigMap", cm);
  assert.deepEqual(report.unknown, []);
  assert.deepEqual(report.mismatches, [
    { path: "metadata.annotations.a", struct: "ObjectMeta", got: "object", want: "string" },
    { path: "data.k", struct: "ConfigMap", got: "array", want: "string" },
  ]);
  const d = deployment() as Loose;
  d.spec.replicas = { x: 1 };
  d.spec.template.spec.containers = { name: "web" };
  d.metadata.labels = "app=web";
  assert.deepEqual(
    checker.inspect("apps", "v1", "Deployment", d).mismatches.map((m) => `${m.got} into ${m.struct}.${m.path} of type ${m.want}`),
    ["string into ObjectMeta.metadata.labels of type map[string]string", "object into DeploymentSpec.spec.replicas of type int32", "object into PodSpec.spec.template.spec.containers of type []v1.Container"],
  );
  assert.equal(
    typeMismatchError("ConfigMap", "v1", report.mismatches[0]).message,
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ObjectMeta.metadata.annotations.a of type string',
  );
  assert.deepEqual(checker.inspect("apps", "v1", "Deployment", deployment()).mismatches, [], "nulls and well-typed values pass");
});
