// Valid, defaulted objects for tests: each test breaks one thing and checks the exact cause.
// Validation always sees defaulted objects in the apiserver, so the fixtures are defaulted too.

import { applyDefaults } from "../../defaults";
import type { KubeObject } from "../../object";

type Json = Record<string, unknown>;

const meta = (name: string, extra: Json = {}): KubeObject["metadata"] => ({
  name,
  namespace: "default",
  uid: "6b1c2e7e-0000-4000-8000-000000000001",
  creationTimestamp: "2024-05-01T10:00:00Z",
  ...extra,
});

export function podSpec(extra: Json = {}): Json {
  return { containers: [{ name: "app", image: "registry.local/app:1.0" }], ...extra };
}

export function pod(specExtra: Json = {}, metaExtra: Json = {}): KubeObject {
  return applyDefaults("Pod", { apiVersion: "v1", kind: "Pod", metadata: meta("web", metaExtra), spec: podSpec(specExtra) });
}

export function template(labels: Json = { app: "web" }, specExtra: Json = {}): Json {
  return { metadata: { labels }, spec: podSpec(specExtra) };
}

export function deployment(specExtra: Json = {}): KubeObject {
  return applyDefaults("Deployment", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta("web", { generation: 1 }),
    spec: { selector: { matchLabels: { app: "web" } }, template: template(), ...specExtra },
  });
}

export function replicaSet(specExtra: Json = {}): KubeObject {
  return applyDefaults("ReplicaSet", {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: meta("web-5d4f"),
    spec: { selector: { matchLabels: { app: "web" } }, template: template(), ...specExtra },
  });
}

export function daemonSet(specExtra: Json = {}): KubeObject {
  return applyDefaults("DaemonSet", {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: meta("agent"),
    spec: { selector: { matchLabels: { app: "web" } }, template: template(), ...specExtra },
  });
}

export function statefulSet(specExtra: Json = {}): KubeObject {
  return applyDefaults("StatefulSet", {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: meta("db"),
    spec: { serviceName: "db", selector: { matchLabels: { app: "web" } }, template: template(), ...specExtra },
  });
}

export function job(specExtra: Json = {}, uid = "6b1c2e7e-0000-4000-8000-000000000001"): KubeObject {
  const labels = { "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi", "controller-uid": uid, "job-name": "pi" };
  return applyDefaults("Job", {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: meta("pi", { uid }),
    spec: {
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": uid } },
      template: { metadata: { labels }, spec: podSpec({ restartPolicy: "Never" }) },
      ...specExtra,
    },
  });
}

export function cronJob(specExtra: Json = {}): KubeObject {
  return applyDefaults("CronJob", {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: meta("nightly"),
    spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: podSpec({ restartPolicy: "OnFailure" }) } } }, ...specExtra },
  });
}

export function service(specExtra: Json = {}): KubeObject {
  return applyDefaults("Service", {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta("web"),
    spec: { selector: { app: "web" }, ports: [{ port: 80 }], clusterIP: "10.96.0.10", ...specExtra },
  });
}

export function withResourceVersion<T extends KubeObject>(obj: T, rv = "42"): T {
  const copy = structuredClone(obj);
  copy.metadata.resourceVersion = rv;
  return copy;
}

/**
 * Deep copy with a change applied. Tests reach deep into untyped JSON to break one field, so the
 * callback gets an untyped view; production code never uses this.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;
export function edit<T extends KubeObject>(obj: T, change: (o: Loose) => void): T {
  const copy = structuredClone(obj);
  change(copy);
  return copy;
}
