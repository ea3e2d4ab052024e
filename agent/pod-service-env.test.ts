import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1";
import { ServiceCatalog } from "../netns/services/catalog";
import { port, service } from "../netns/services/testing/service-fixtures";
import { PodServiceEnv } from "./pod-service-env";

const pod: Pod = { metadata: { name: "p", namespace: "default", uid: "u" }, spec: { containers: [] } };
const kubernetes = service("default", "kubernetes", { clusterIPs: ["10.96.0.1"], ports: [port("https", 443)] });

test("in the agent's first moments a container waits for the first full service set", async () => {
  const catalog = new ServiceCatalog();
  const waiting = new PodServiceEnv(catalog, () => assert.fail("no warning expected"), 5000).forPod(pod);
  setTimeout(() => catalog.apply({ full: true, upsert: [kubernetes], remove: [] }), 30);
  assert.equal((await waiting).get("KUBERNETES_SERVICE_HOST"), "10.96.0.1");
});

test("after the grace time a container starts at once without Service variables, with one warning", async () => {
  const catalog = new ServiceCatalog();
  const warnings: string[] = [];
  const source = new PodServiceEnv(catalog, (m) => warnings.push(m), 50);
  const started = Date.now();
  assert.deepEqual([...(await source.forPod(pod)).keys()], []);
  assert.ok(Date.now() - started < 1000);
  const again = Date.now();
  await source.forPod(pod);
  assert.ok(Date.now() - again < 20, "no second wait");
  assert.equal(warnings.length, 1);
  catalog.apply({ full: true, upsert: [kubernetes], remove: [] });
  assert.equal((await source.forPod(pod)).get("KUBERNETES_SERVICE_PORT"), "443");
});

test("after a restart the restored view is used at once", async () => {
  const catalog = new ServiceCatalog();
  catalog.restore([kubernetes]);
  assert.equal(catalog.isSynced(), false);
  const started = Date.now();
  assert.equal((await new PodServiceEnv(catalog, () => assert.fail("no warning expected"), 5000).forPod(pod)).get("KUBERNETES_SERVICE_PORT"), "443");
  assert.ok(Date.now() - started < 1000);
});
