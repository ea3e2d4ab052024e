import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1";
import { ServiceCatalog } from "../netns/services/catalog";
import { port, service } from "../netns/services/testing/service-fixtures";
import { PodServiceEnv } from "./pod-service-env";

const pod: Pod = { metadata: { name: "p", namespace: "default", uid: "u" }, spec: { containers: [] } };
const kubernetes = service("default", "kubernetes", { clusterIPs: ["10.96.0.1"], ports: [port("https", 443)] });

test("a container waits briefly for the first full service set, then fails as the kubelet does", async () => {
  const catalog = new ServiceCatalog();
  const source = new PodServiceEnv(catalog, 50);
  await assert.rejects(source.forPod(pod), { name: "ConfigError", reason: "CreateContainerConfigError", message: "services have not yet been read at least once, cannot construct envvars" });

  const waiting = new PodServiceEnv(catalog, 5000).forPod(pod);
  setTimeout(() => catalog.apply({ full: true, upsert: [kubernetes], remove: [] }), 20);
  assert.equal((await waiting).get("KUBERNETES_SERVICE_HOST"), "10.96.0.1");
});

test("after a restart the restored view is used at once", async () => {
  const catalog = new ServiceCatalog();
  catalog.restore([kubernetes]);
  assert.equal(catalog.isSynced(), false);
  const started = Date.now();
  assert.equal((await new PodServiceEnv(catalog, 5000).forPod(pod)).get("KUBERNETES_SERVICE_PORT"), "443");
  assert.ok(Date.now() - started < 1000);
});
