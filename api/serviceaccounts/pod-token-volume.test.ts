import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../object";
import { applyServiceAccount, shouldAutomount, tokenVolumeSource } from "./pod-token-volume";

const account = (extra: Record<string, unknown> = {}): KubeObject => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "web" }, ...extra });
const pod = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "web" }, spec });
const MOUNT = { name: "kube-api-access-bbbbb", readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" };
const zero = () => 0;

test("every init and app container mounts one projected volume kube-api-access-<5 chars>, shaped as upstream's", () => {
  const p = pod({ initContainers: [{ name: "init" }], containers: [{ name: "a", volumeMounts: [{ name: "data", mountPath: "/data" }] }, { name: "b" }], volumes: [{ name: "data", emptyDir: {} }] });
  applyServiceAccount(p, account(), zero);
  const spec = p.spec as { volumes: unknown[]; initContainers: { volumeMounts: unknown[] }[]; containers: { volumeMounts: unknown[] }[] };
  assert.deepEqual(spec.volumes, [
    { name: "data", emptyDir: {} },
    {
      name: "kube-api-access-bbbbb",
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
        ],
      },
    },
  ]);
  assert.deepEqual(spec.initContainers[0].volumeMounts, [MOUNT]);
  assert.deepEqual(spec.containers[0].volumeMounts, [{ name: "data", mountPath: "/data" }, MOUNT]);
  assert.deepEqual(spec.containers[1].volumeMounts, [MOUNT]);
  assert.deepEqual(tokenVolumeSource(), (spec.volumes[1] as { projected: unknown }).projected);
});

test("automountServiceAccountToken: the pod's choice wins, then the account's, else true", () => {
  assert.equal(shouldAutomount(account(), pod({})), true);
  assert.equal(shouldAutomount(account({ automountServiceAccountToken: false }), pod({})), false);
  assert.equal(shouldAutomount(account({ automountServiceAccountToken: false }), pod({ automountServiceAccountToken: true })), true);
  assert.equal(shouldAutomount(account(), pod({ automountServiceAccountToken: false })), false);
  const p = pod({ automountServiceAccountToken: false, containers: [{ name: "a" }] });
  applyServiceAccount(p, account(), zero);
  assert.deepEqual(p.spec, { automountServiceAccountToken: false, containers: [{ name: "a" }] });
});

test("a container with its own mount at the path keeps it; the volume is added only if one container needs it", () => {
  const own = { name: "mine", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" };
  const single = pod({ containers: [{ name: "a", volumeMounts: [own] }], volumes: [{ name: "mine", emptyDir: {} }] });
  applyServiceAccount(single, account(), zero);
  assert.deepEqual(single.spec, { containers: [{ name: "a", volumeMounts: [own] }], volumes: [{ name: "mine", emptyDir: {} }] });

  const mixed = pod({ containers: [{ name: "a", volumeMounts: [own] }, { name: "b" }] });
  applyServiceAccount(mixed, account(), zero);
  const spec = mixed.spec as { containers: { volumeMounts: unknown[] }[]; volumes: { name: string }[] };
  assert.deepEqual(spec.containers[0].volumeMounts, [own]);
  assert.deepEqual(spec.containers[1].volumeMounts, [MOUNT]);
  assert.equal(spec.volumes[0].name, "kube-api-access-bbbbb");
});

test("a pod that already has a kube-api-access volume gets mounts of it, not a second volume", () => {
  const p = pod({ containers: [{ name: "a" }], volumes: [{ name: "kube-api-access-xyz12", projected: { sources: [] } }] });
  applyServiceAccount(p, account(), zero);
  const spec = p.spec as { containers: { volumeMounts: { name: string }[] }[]; volumes: unknown[] };
  assert.equal(spec.volumes.length, 1);
  assert.equal(spec.containers[0].volumeMounts[0].name, "kube-api-access-xyz12");
});

test("the account's imagePullSecrets go to pods that name none", () => {
  const withSecrets = account({ imagePullSecrets: [{ name: "registry" }] });
  const p = pod({ containers: [{ name: "a" }] });
  applyServiceAccount(p, withSecrets, zero);
  assert.deepEqual((p.spec as { imagePullSecrets: unknown }).imagePullSecrets, [{ name: "registry" }]);
  const own = pod({ containers: [{ name: "a" }], imagePullSecrets: [{ name: "mine" }] });
  applyServiceAccount(own, withSecrets, zero);
  assert.deepEqual((own.spec as { imagePullSecrets: unknown }).imagePullSecrets, [{ name: "mine" }]);
});
