import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1";
import { buildEnv } from "./env";
import { lookupFrom, type VolumeSourceData } from "./volume-data";

const pod: Pod = { metadata: { name: "web", namespace: "prod", uid: "u-1", labels: { app: "web" } }, spec: { containers: [], serviceAccountName: "sa" } };
const facts = { nodeName: "node-a", hostIP: "10.0.0.5", podIPs: ["10.244.1.7"] };
const cm = (name: string, data: Record<string, string>, exists = true): VolumeSourceData => ({
  kind: "ConfigMap", namespace: "prod", name, resourceVersion: "1", exists, type: "", data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])),
});
const secret = (name: string, data: Record<string, string>): VolumeSourceData => ({ ...cm(name, data), kind: "Secret", type: "Opaque" });
const data = lookupFrom([cm("cfg", { MODE: "fast", "bad key": "x", LEVEL: "3" }), secret("creds", { password: "s3cret" }), cm("gone", {}, false)]);

test("image env, envFrom, env with $(VAR) expansion, fieldRef and key refs, in kubelet order", () => {
  const r = buildEnv(
    pod,
    {
      name: "c",
      envFrom: [{ configMapRef: { name: "cfg" }, prefix: "CFG_" }],
      env: [
        { name: "PATH", value: "/custom" },
        { name: "GREETING", value: "hi $(POD_NAME)" },
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "AFTER", value: "$(POD_NAME)-$(CFG_MODE)-$(HOME)" },
        { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "UID", valueFrom: { fieldRef: { fieldPath: "metadata.uid" } } },
        { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
        { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: "PW", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
        { name: "LVL", valueFrom: { configMapKeyRef: { name: "cfg", key: "LEVEL" } } },
        { name: "OPT", valueFrom: { configMapKeyRef: { name: "gone", key: "x", optional: true } } },
      ],
    },
    ["PATH=/usr/bin:/bin", "HOME=/root"],
    data,
    facts,
  );
  assert.deepEqual(r.env, [
    "PATH=/custom",
    "HOME=/root",
    "CFG_LEVEL=3",
    "CFG_MODE=fast",
    "GREETING=hi $(POD_NAME)",
    "POD_NAME=web",
    "AFTER=web-fast-$(HOME)",
    "NS=prod",
    "UID=u-1",
    "IP=10.244.1.7",
    "NODE=node-a",
    "APP=web",
    "PW=s3cret",
    "LVL=3",
  ]);
  assert.deepEqual(r.skipped, ["CFG_bad key"]);
});

test("missing objects and keys are CreateContainerConfigError with the kubelet's messages", () => {
  const run = (env: object) => () => buildEnv(pod, { name: "c", env: [env as never] }, [], data, facts);
  assert.throws(run({ name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k" } } }), { reason: "CreateContainerConfigError", message: 'configmap "nope" not found' });
  assert.throws(run({ name: "X", valueFrom: { configMapKeyRef: { name: "gone", key: "k" } } }), { message: 'configmap "gone" not found' });
  assert.throws(run({ name: "X", valueFrom: { secretKeyRef: { name: "creds", key: "user" } } }), { message: "couldn't find key user in Secret prod/creds" });
  assert.throws(() => buildEnv(pod, { name: "c", envFrom: [{ secretRef: { name: "nope" } }] }, [], data, facts), { message: 'secret "nope" not found' });
  assert.deepEqual(buildEnv(pod, { name: "c", envFrom: [{ secretRef: { name: "nope", optional: true } }] }, [], data, facts).env, []);
});

test("resourceFieldRef: limits rounded up by the divisor", () => {
  const r = buildEnv(
    pod,
    {
      name: "c",
      resources: { limits: { cpu: "1500m", memory: "64Mi" } },
      env: [
        { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
        { name: "MEM_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
      ],
    },
    [],
    data,
    facts,
  );
  assert.deepEqual(r.env, ["CPU=2", "MEM_MI=64"]);
});
