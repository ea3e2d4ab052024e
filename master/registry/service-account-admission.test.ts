import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import type { ApiContext } from "./context";
import { admitServiceAccount, enableServiceAccountAdmission } from "./service-account-admission";

const newCtx = () => ({}) as ApiContext; // only a key for the plugin's registration here
const pod = (spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "shop" }, spec: { containers: [{ name: "c" }], ...spec } });
const account = (name: string): KubeObject => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: "shop" } });

test("a pod without an account runs as default and gets the token volume; the plugin can be turned off", async () => {
  const ctx = newCtx();
  const disable = enableServiceAccountAdmission(ctx, { serviceAccount: async (_ns, name) => (name === "default" ? account("default") : undefined) });
  const p = pod();
  await admitServiceAccount(ctx, p, () => 0);
  const spec = p.spec as { serviceAccountName: string; serviceAccount: string; volumes: { name: string }[] };
  assert.equal(spec.serviceAccountName, "default");
  assert.equal(spec.serviceAccount, "default");
  assert.equal(spec.volumes[0].name, "kube-api-access-bbbbb");

  disable();
  const untouched = pod();
  await admitServiceAccount(ctx, untouched, () => 0);
  assert.deepEqual(untouched, pod());
});

test("a pod naming a missing account is forbidden, in upstream's words", async () => {
  const ctx = newCtx();
  enableServiceAccountAdmission(ctx, { serviceAccount: async () => undefined });
  await assert.rejects(admitServiceAccount(ctx, pod({ serviceAccountName: "builder" }), () => 0), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 403);
    assert.equal(err.message, 'pods "web" is forbidden: error looking up service account shop/builder: serviceaccount "builder" not found');
    return true;
  });
});

test("default, made by its controller just after the namespace, is looked for again for a while", async () => {
  const ctx = newCtx();
  let calls = 0;
  enableServiceAccountAdmission(ctx, { serviceAccount: async () => (++calls >= 3 ? account("default") : undefined) });
  const p = pod({ automountServiceAccountToken: false });
  await admitServiceAccount(ctx, p, () => 0);
  assert.equal(calls, 3);
  assert.equal((p.spec as { volumes?: unknown }).volumes, undefined, "automount off: no volume");
});
