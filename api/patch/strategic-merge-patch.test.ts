// What kubectl actually sends as strategic merge patches, applied to realistic live objects.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { JsonObject } from "../object";
import { applyStrategicMergePatch } from "./strategic-merge-patch";

/** A live Deployment with two containers, as the apiserver would store it. */
function liveDeployment(): JsonObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "default",
      uid: "d-1",
      resourceVersion: "41",
      labels: { app: "web" },
      annotations: { "deployment.kubernetes.io/revision": "2", "kubectl.kubernetes.io/last-applied-configuration": "{}" },
      finalizers: ["example.com/protect"],
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          containers: [
            {
              name: "web",
              image: "nginx:1.27",
              ports: [{ containerPort: 80, protocol: "TCP" }],
              env: [
                { name: "MODE", value: "prod" },
                { name: "LOG_LEVEL", value: "info" },
              ],
              volumeMounts: [{ name: "cache", mountPath: "/var/cache/nginx" }],
            },
            { name: "sidecar", image: "busybox:1.36", args: ["sleep", "infinity"] },
          ],
          volumes: [{ name: "cache", emptyDir: {} }],
          tolerations: [{ key: "a", operator: "Exists" }],
        },
      },
    },
    status: { observedGeneration: 2, conditions: [{ type: "Available", status: "True" }, { type: "Progressing", status: "True" }] },
  };
}

type Container = { name: string; image?: string; env?: { name: string; value?: string }[]; ports?: unknown[]; args?: string[] };
const podSpec = (d: JsonObject) => ((d.spec as JsonObject).template as JsonObject).spec as { containers: Container[]; volumes: unknown[]; tolerations: unknown[] };
const containers = (d: JsonObject) => podSpec(d).containers;

test("kubectl apply (image edited): $setElementOrder + one container keeps the other container and the annotations", () => {
  const lastApplied = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"}}';
  const patch = {
    metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": lastApplied } },
    spec: { template: { spec: { "$setElementOrder/containers": [{ name: "web" }], containers: [{ image: "nginx:1.28", name: "web" }] } } },
  };
  const live = liveDeployment();
  const out = applyStrategicMergePatch("Deployment", live, patch);

  assert.deepEqual((out.metadata as JsonObject).annotations, {
    "deployment.kubernetes.io/revision": "2",
    "kubectl.kubernetes.io/last-applied-configuration": lastApplied,
  });
  const cs = containers(out);
  assert.deepEqual(cs.map((c) => c.name), ["web", "sidecar"]);
  assert.equal(cs[0].image, "nginx:1.28");
  // Everything else about the edited container survives: ports, env, mounts.
  assert.deepEqual(cs[0].env, containers(live)[0].env);
  assert.deepEqual(cs[0].ports, [{ containerPort: 80, protocol: "TCP" }]);
  // The container the patch does not mention is untouched.
  assert.deepEqual(cs[1], { name: "sidecar", image: "busybox:1.36", args: ["sleep", "infinity"] });
  // No directive leaks into the stored object.
  assert.equal(JSON.stringify(out).includes("$setElementOrder"), false);
  // The input object is not modified.
  assert.deepEqual(live, liveDeployment());
});

test("$setElementOrder reorders the named containers", () => {
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), {
    spec: { template: { spec: { "$setElementOrder/containers": [{ name: "sidecar" }, { name: "web" }], containers: [{ name: "web", image: "nginx:1.28" }] } } },
  });
  assert.deepEqual(containers(out).map((c) => `${c.name}:${c.image}`), ["sidecar:busybox:1.36", "web:nginx:1.28"]);
});

test("kubectl set image: both containers named in $setElementOrder, one image changed", () => {
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), {
    spec: {
      template: {
        spec: {
          "$setElementOrder/containers": [{ name: "web" }, { name: "sidecar" }],
          containers: [{ image: "nginx:2", name: "web" }],
        },
      },
    },
  });
  assert.deepEqual(containers(out).map((c) => `${c.name}:${c.image}`), ["web:nginx:2", "sidecar:busybox:1.36"]);
});

test("kubectl cordon: {spec:{unschedulable:true}} on a node keeps taints and status", () => {
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node1", labels: { "kubernetes.io/hostname": "node1" } },
    spec: { podCIDR: "10.244.1.0/24", podCIDRs: ["10.244.1.0/24"], taints: [{ key: "k", value: "v", effect: "NoSchedule" }] },
    status: { conditions: [{ type: "Ready", status: "True" }], addresses: [{ type: "InternalIP", address: "10.0.0.2" }] },
  };
  const out = applyStrategicMergePatch("Node", node, { spec: { unschedulable: true } });
  assert.deepEqual(out.spec, { ...node.spec, unschedulable: true });
  assert.deepEqual(out.status, node.status);
  // kubectl uncordon sends null when it was only ever defaulted; that removes the field.
  assert.deepEqual(applyStrategicMergePatch("Node", out, { spec: { unschedulable: null } }).spec, node.spec);
});

test("kubectl patch deployment web -p '{\"spec\":{\"minReadySeconds\":10}}'", () => {
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), { spec: { minReadySeconds: 10 } });
  const expected = liveDeployment();
  (expected.spec as JsonObject).minReadySeconds = 10;
  assert.deepEqual(out, expected);
});

test("$patch: delete removes one container by name", () => {
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), {
    spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } },
  });
  assert.deepEqual(containers(out).map((c) => c.name), ["web"]);
  assert.equal(containers(out)[0].image, "nginx:1.27");
});

test("$retainKeys: switching a deployment from RollingUpdate to Recreate drops rollingUpdate", () => {
  const patch = { spec: { strategy: { $retainKeys: ["type"], type: "Recreate", rollingUpdate: null } } };
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), patch);
  assert.deepEqual((out.spec as JsonObject).strategy, { type: "Recreate" });
  // Without the explicit null, $retainKeys alone still clears the unlisted field.
  const out2 = applyStrategicMergePatch("Deployment", liveDeployment(), { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } });
  assert.deepEqual((out2.spec as JsonObject).strategy, { type: "Recreate" });
});

test("env merges by name: one value changed, one added, one removed, the rest kept", () => {
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), {
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: "web",
              env: [
                { name: "LOG_LEVEL", value: "debug" },
                { name: "FEATURE_X", value: "on" },
              ],
            },
          ],
        },
      },
    },
  });
  assert.deepEqual(containers(out)[0].env, [
    { name: "MODE", value: "prod" },
    { name: "LOG_LEVEL", value: "debug" },
    { name: "FEATURE_X", value: "on" },
  ]);
  const removed = applyStrategicMergePatch("Deployment", out, {
    spec: { template: { spec: { containers: [{ name: "web", env: [{ name: "MODE", $patch: "delete" }] }] } } },
  });
  assert.deepEqual(containers(removed)[0].env?.map((e) => e.name), ["LOG_LEVEL", "FEATURE_X"]);
});

test("env value switched to valueFrom with an explicit null (what kubectl apply generates)", () => {
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), {
    spec: {
      template: {
        spec: {
          "$setElementOrder/containers": [{ name: "web" }, { name: "sidecar" }],
          containers: [
            {
              name: "web",
              "$setElementOrder/env": [{ name: "MODE" }, { name: "LOG_LEVEL" }],
              env: [{ name: "MODE", value: null, valueFrom: { configMapKeyRef: { name: "cfg", key: "mode" } } }],
            },
          ],
        },
      },
    },
  });
  assert.deepEqual(containers(out)[0].env, [
    { name: "MODE", valueFrom: { configMapKeyRef: { name: "cfg", key: "mode" } } },
    { name: "LOG_LEVEL", value: "info" },
  ]);
});

test("lists without patch metadata are atomic: tolerations and container args are replaced", () => {
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), {
    spec: { template: { spec: { tolerations: [{ key: "b", operator: "Exists" }], containers: [{ name: "sidecar", args: ["sleep", "10"] }] } } },
  });
  assert.deepEqual(podSpec(out).tolerations, [{ key: "b", operator: "Exists" }]);
  assert.deepEqual(containers(out).find((c) => c.name === "sidecar")?.args, ["sleep", "10"]);
});

test("finalizers merge as a set and $deleteFromPrimitiveList removes one", () => {
  const added = applyStrategicMergePatch("Deployment", liveDeployment(), { metadata: { finalizers: ["example.com/other", "example.com/protect"] } });
  assert.deepEqual((added.metadata as JsonObject).finalizers, ["example.com/other", "example.com/protect"]);
  const removed = applyStrategicMergePatch("Deployment", added, {
    metadata: { "$setElementOrder/finalizers": ["example.com/other"], "$deleteFromPrimitiveList/finalizers": ["example.com/protect"] },
  });
  assert.deepEqual((removed.metadata as JsonObject).finalizers, ["example.com/other"]);
});

test("conditions merge by type (a status patch from a controller)", () => {
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), {
    status: { conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }] },
  });
  assert.deepEqual((out.status as JsonObject).conditions, [
    { type: "Available", status: "True" },
    { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" },
  ]);
});

test("service ports merge by port; a pod's containers merge at spec.containers", () => {
  const svc = { kind: "Service", metadata: { name: "web" }, spec: { type: "NodePort", ports: [{ port: 80, targetPort: 80, nodePort: 30080 }] } };
  const out = applyStrategicMergePatch("Service", svc, { spec: { ports: [{ port: 80, targetPort: 8080 }] } });
  assert.deepEqual((out.spec as JsonObject).ports, [{ port: 80, targetPort: 8080, nodePort: 30080 }]);

  const pod = { kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "a", image: "x" }, { name: "b", image: "y" }] } };
  const patched = applyStrategicMergePatch("Pod", pod, { spec: { containers: [{ name: "b", image: "z" }] } });
  assert.deepEqual((patched.spec as JsonObject).containers, [{ name: "a", image: "x" }, { name: "b", image: "z" }]);
});

test("cronjob pod templates are found three levels down", () => {
  const cj = {
    kind: "CronJob",
    metadata: { name: "c" },
    spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: { containers: [{ name: "a", image: "x", env: [{ name: "A", value: "1" }] }] } } } } },
  };
  const out = applyStrategicMergePatch("CronJob", cj, {
    spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: "a", env: [{ name: "B", value: "2" }] }] } } } } },
  });
  const c = (((((out.spec as JsonObject).jobTemplate as JsonObject).spec as JsonObject).template as JsonObject).spec as { containers: Container[] }).containers;
  // B is new to the server, so (as in Kubernetes) it lands before the server-only A.
  assert.deepEqual(c, [{ name: "a", image: "x", env: [{ name: "B", value: "2" }, { name: "A", value: "1" }] }]);
});

test("adding a new container without $setElementOrder puts it first, as Kubernetes does", () => {
  const out = applyStrategicMergePatch("Deployment", liveDeployment(), {
    spec: { template: { spec: { containers: [{ name: "logger", image: "fluent-bit" }] } } },
  });
  assert.deepEqual(containers(out).map((c) => c.name), ["logger", "web", "sidecar"]);
});
