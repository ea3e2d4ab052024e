import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../../api/object";
import { VolumeData_Kind } from "../../proto/gen/agent";
import { DesiredStateTracker, type DesiredInputs } from "./desired-state";

function pod(uid: string, rv: string, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `p-${uid}`, namespace: "default", uid, resourceVersion: rv },
    spec: { nodeName: "n1", containers: [{ name: "c", image: "busybox" }] },
    status: { phase: "Pending" },
    ...extra,
  };
}

function inputs(pods: KubeObject[], config: Record<string, KubeObject> = {}): DesiredInputs {
  return { pods, config: (kind, ns, name) => config[`${kind}/${ns}/${name}`] };
}

const cm = (name: string, rv: string, data: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default", resourceVersion: rv }, data });

test("a full set carries every pod with its JSON (without status) and starts over", () => {
  const t = new DesiredStateTracker();
  const full = t.full(inputs([pod("a", "1"), pod("b", "2")]));
  assert.equal(full.full, true);
  assert.deepEqual(full.upsert.map((p) => p.uid), ["a", "b"]);
  const parsed = JSON.parse(full.upsert[0].podJson) as KubeObject;
  assert.equal(parsed.metadata.uid, "a");
  assert.equal(parsed.status, undefined);
  assert.equal(full.upsert[1].resourceVersion, "2");
  assert.equal(t.delta(inputs([pod("a", "1"), pod("b", "2")])), undefined);
  const again = t.full(inputs([pod("a", "1")]));
  assert.equal(again.full, true);
  assert.ok(again.generation > full.generation);
  assert.deepEqual(again.remove, []);
});

test("status-only changes are not news to the agent; spec and deletion are", () => {
  const t = new DesiredStateTracker();
  t.full(inputs([pod("a", "1")]));
  assert.equal(t.delta(inputs([pod("a", "5", { status: { phase: "Running" } })])), undefined);
  const deleting = pod("a", "6");
  deleting.metadata.deletionTimestamp = "2025-01-01T00:00:30Z";
  deleting.metadata.deletionGracePeriodSeconds = 30;
  const d = t.delta(inputs([deleting]))!;
  assert.equal(d.full, false);
  assert.equal(d.upsert.length, 1);
  assert.equal((JSON.parse(d.upsert[0].podJson) as KubeObject).metadata.deletionGracePeriodSeconds, 30);
  assert.deepEqual(d.remove, []);
});

test("pods that leave the node are removed once; new pods are upserted", () => {
  const t = new DesiredStateTracker();
  const g0 = t.full(inputs([pod("a", "1"), pod("b", "1")])).generation;
  const d = t.delta(inputs([pod("b", "1"), pod("c", "1")]))!;
  assert.deepEqual(d.upsert.map((p) => p.uid), ["c"]);
  assert.deepEqual(d.remove, ["a"]);
  assert.equal(d.generation, g0 + 1);
  assert.equal(t.delta(inputs([pod("b", "1"), pod("c", "1")])), undefined);
});

test("ConfigMap and Secret data travels only while a pod references it, and again when it changes", () => {
  const withRefs = pod("a", "1", {
    spec: {
      nodeName: "n1",
      containers: [{ name: "c", image: "busybox", env: [{ name: "K", valueFrom: { secretKeyRef: { name: "s1", key: "k" } } }] }],
      volumes: [{ name: "v", configMap: { name: "cm1" } }],
    },
  });
  const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "s1", namespace: "default", resourceVersion: "3" }, type: "Opaque", data: { k: Buffer.from("secret-value").toString("base64") } };
  const unrelated: KubeObject = { ...secret, metadata: { ...secret.metadata, name: "other" } };
  const config = { "ConfigMap/default/cm1": cm("cm1", "2", { a: "b" }), "Secret/default/s1": secret, "Secret/default/other": unrelated };

  const t = new DesiredStateTracker();
  const full = t.full(inputs([withRefs], config));
  assert.deepEqual(full.volumeData.map((v) => `${v.kind}/${v.name}`), [`${VolumeData_Kind.KIND_CONFIG_MAP}/cm1`, `${VolumeData_Kind.KIND_SECRET}/s1`]);
  const s = full.volumeData.find((v) => v.name === "s1")!;
  assert.equal(s.data.k.toString(), "secret-value");
  assert.equal(s.type, "Opaque");
  assert.equal(full.volumeData.find((v) => v.name === "cm1")!.data.a.toString(), "b");
  assert.ok(t.referenced.has("Secret/default/s1"));

  // Unchanged data is not sent again; a new version of the ConfigMap is.
  assert.equal(t.delta(inputs([withRefs], config)), undefined);
  const d = t.delta(inputs([withRefs], { ...config, "ConfigMap/default/cm1": cm("cm1", "9", { a: "c" }) }))!;
  assert.deepEqual(d.upsert, []);
  assert.deepEqual(d.volumeData.map((v) => [v.name, v.resourceVersion, v.data.a.toString()]), [["cm1", "9", "c"]]);

  // Deleted: sent as exists=false.
  const gone = t.delta(inputs([withRefs], { "Secret/default/s1": secret }))!;
  assert.deepEqual(gone.volumeData.map((v) => [v.name, v.exists]), [["cm1", false]]);

  // Without a referencing pod nothing is sent; when a pod references it again, it is sent again.
  const removed = t.delta(inputs([], config))!;
  assert.deepEqual(removed.volumeData, []);
  assert.deepEqual(removed.remove, ["a"]);
  assert.equal(t.referenced.size, 0);
  const back = t.delta(inputs([withRefs], config))!;
  assert.deepEqual(back.volumeData.map((v) => v.name).sort(), ["cm1", "s1"]);
});

test("imagePullSecrets and projected sources count as references", () => {
  const p = pod("a", "1", {
    spec: {
      nodeName: "n1",
      imagePullSecrets: [{ name: "regcred" }],
      containers: [{ name: "c", image: "x", envFrom: [{ configMapRef: { name: "env-cm" } }] }],
      volumes: [{ name: "p", projected: { sources: [{ secret: { name: "proj-s" } }, { configMap: { name: "proj-cm" } }] } }],
    },
  });
  const t = new DesiredStateTracker();
  const full = t.full(inputs([p]));
  assert.deepEqual(full.volumeData.map((v) => [v.name, v.exists]).sort(), [["env-cm", false], ["proj-cm", false], ["proj-s", false], ["regcred", false]]);
});
