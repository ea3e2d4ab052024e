import { test } from "node:test";
import assert from "node:assert/strict";
import { applyDefaults } from "../defaults";
import { ApiError } from "../errors";
import type { KubeObject } from "../object";
import { findResource, type ResourceType } from "../resources";
import { validateCreate } from "../validation";
import { NAMESPACE_MISMATCH, prepareForCreate } from "./create";

const resource = (group: string, plural: string): ResourceType => findResource(group, group ? (group === "autoscaling" ? "v2" : "v1") : "v1", plural)!;
const pods = resource("", "pods");
let uids = 0;
const ctx = () => ({ now: new Date("2024-05-01T10:00:00.750Z"), newUid: () => `uid-${++uids}`, random: () => 0 });

const pod = (meta: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", ...meta },
  spec: { containers: [{ name: "c", image: "app:1", resources: { limits: { cpu: "1", memory: "1Gi" } } }] },
  status: { phase: "Running", podIP: "10.0.0.9" },
});

test("system fields are set from the injected clock and uid source; client values are dropped", () => {
  const out = prepareForCreate(pods, pod({ uid: "mine", resourceVersion: "12", creationTimestamp: "2000-01-01T00:00:00Z", deletionTimestamp: "2000-01-01T00:00:00Z", deletionGracePeriodSeconds: 5 }), "default", ctx());
  assert.match(out.metadata.uid!, /^uid-\d+$/);
  assert.equal(out.metadata.creationTimestamp, "2024-05-01T10:00:00Z");
  assert.equal(out.metadata.resourceVersion, undefined);
  assert.equal(out.metadata.deletionTimestamp, undefined);
  assert.equal(out.metadata.deletionGracePeriodSeconds, undefined);
});

test("the input object is not modified", () => {
  const input = pod();
  const before = structuredClone(input);
  prepareForCreate(pods, input, "default", ctx());
  assert.deepEqual(input, before);
});

test("namespace comes from the URL; a different one is a 400", () => {
  assert.equal(prepareForCreate(pods, pod(), "team-a", ctx()).metadata.namespace, "team-a");
  assert.equal(prepareForCreate(pods, pod({ namespace: "team-a" }), "team-a", ctx()).metadata.namespace, "team-a");
  assert.throws(
    () => prepareForCreate(pods, pod({ namespace: "other" }), "team-a", ctx()),
    (err: unknown) => err instanceof ApiError && err.code === 400 && err.reason === "BadRequest" && err.message === NAMESPACE_MISMATCH,
  );
  const node = prepareForCreate(resource("", "nodes"), { kind: "Node", metadata: { name: "n1", namespace: "default" } }, undefined, ctx());
  assert.equal(node.metadata.namespace, undefined);
});

test("generateName becomes the prefix plus five random characters", () => {
  const sequence = [0, 0.2, 0.4, 0.6, 0.99];
  let i = 0;
  const out = prepareForCreate(pods, pod({ name: undefined, generateName: "web-" }), "default", { ...ctx(), random: () => sequence[i++] });
  assert.equal(out.metadata.name, "web-bhnv9");
  const long = prepareForCreate(pods, pod({ name: undefined, generateName: "x".repeat(80) }), "default", ctx());
  assert.equal(long.metadata.name, `${"x".repeat(58)}bbbbb`);
  assert.equal(prepareForCreate(pods, pod({ generateName: "web-" }), "default", ctx()).metadata.name, "web");
});

test("pods start Pending with their QoS class; client status is discarded", () => {
  const out = prepareForCreate(pods, pod(), "default", ctx());
  assert.deepEqual(out.status, { phase: "Pending", qosClass: "Guaranteed" });
  const gated = prepareForCreate(pods, { ...pod(), spec: { containers: [{ name: "c", image: "a" }], schedulingGates: [{ name: "x/y" }] } }, "default", ctx());
  assert.deepEqual(gated.status, {
    phase: "Pending",
    qosClass: "BestEffort",
    conditions: [{ type: "PodScheduled", status: "False", reason: "SchedulingGated", message: "Scheduling is blocked due to non-empty scheduling gates" }],
  });
});

test("workloads start at generation 1 with a zero status; others get no generation", () => {
  const d = prepareForCreate(resource("apps", "deployments"), { kind: "Deployment", metadata: { name: "d", generation: 7 }, spec: {}, status: { replicas: 3 } }, "default", ctx());
  assert.equal(d.metadata.generation, 1);
  assert.deepEqual(d.status, {});
  const sts = prepareForCreate(resource("apps", "statefulsets"), { kind: "StatefulSet", metadata: { name: "s" }, spec: {} }, "default", ctx());
  assert.deepEqual(sts.status, { replicas: 0, availableReplicas: 0 });
  const svc = prepareForCreate(resource("", "services"), { kind: "Service", metadata: { name: "s" }, spec: {} }, "default", ctx());
  assert.deepEqual(svc.status, { loadBalancer: {} });
  assert.equal(svc.metadata.generation, undefined);
  const cm = prepareForCreate(resource("", "configmaps"), { kind: "ConfigMap", metadata: { name: "c" }, data: {} }, "default", ctx());
  assert.equal(cm.status, undefined);
});

test("namespaces get the kubernetes finalizer and phase Active; nodes keep their reported status", () => {
  const ns = prepareForCreate(resource("", "namespaces"), { kind: "Namespace", metadata: { name: "a" }, spec: { finalizers: ["example.com/x"] } }, undefined, ctx());
  assert.deepEqual(ns.spec, { finalizers: ["example.com/x", "kubernetes"] });
  assert.deepEqual(ns.status, { phase: "Active" });
  const node = prepareForCreate(resource("", "nodes"), { kind: "Node", metadata: { name: "n" }, status: { capacity: { cpu: "4" } } }, undefined, ctx());
  assert.deepEqual(node.status, { capacity: { cpu: "4" } });
});

test("jobs get a selector and labels generated from their uid, and then validate", () => {
  const jobs = resource("batch", "jobs");
  const input: KubeObject = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { generateName: "pi-" },
    spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "pi", image: "perl:5.34" }] } } },
  };
  const prepared = prepareForCreate(jobs, input, "default", { ...ctx(), newUid: () => "0d6f-uid", random: () => 0 });
  const job = applyDefaults("Job", prepared);
  const spec = job.spec as { selector: unknown; template: { metadata: { labels: unknown } } };
  assert.deepEqual(spec.selector, { matchLabels: { "batch.kubernetes.io/controller-uid": "0d6f-uid" } });
  const labels = { "batch.kubernetes.io/controller-uid": "0d6f-uid", "batch.kubernetes.io/job-name": "pi-bbbbb", "controller-uid": "0d6f-uid", "job-name": "pi-bbbbb" };
  assert.deepEqual(spec.template.metadata.labels, labels);
  assert.deepEqual(job.metadata.labels, labels);
  assert.deepEqual(validateCreate("Job", job), []);
  const manual = prepareForCreate(jobs, { ...input, spec: { manualSelector: true } }, "default", ctx());
  assert.equal((manual.spec as Record<string, unknown>).selector, undefined);
});
