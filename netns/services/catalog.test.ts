import assert from "node:assert/strict";
import { test } from "node:test";
import { ServiceCatalog, type CatalogChange, type ServiceInfo } from "./catalog";
import { service } from "./testing/service-fixtures";

function svc(namespace: string, name: string, clusterIP = "10.96.0.20"): ServiceInfo {
  return service(namespace, name, { clusterIPs: [clusterIP], ports: [{ name: "", protocol: "TCP", port: 80, nodePort: 0 }] });
}

test("a full update replaces everything, deltas replace and remove by key, listeners hear the keys", async () => {
  const c = new ServiceCatalog();
  const heard: CatalogChange[] = [];
  c.subscribe((ch) => heard.push(ch));
  let synced = false;
  const waiting = c.whenSynced().then(() => (synced = true));
  c.apply({ full: false, upsert: [svc("a", "early")], remove: [] });
  assert.equal(c.isSynced(), false);
  c.apply({ full: true, upsert: [svc("a", "web"), svc("b", "db")], remove: [] });
  await waiting;
  assert.ok(synced && c.isSynced());
  assert.deepEqual(c.list().map((s) => `${s.namespace}/${s.name}`).sort(), ["a/web", "b/db"]);
  assert.deepEqual(heard[1], { full: true, changed: ["a/web", "b/db"], removed: ["a/early"] });
  c.apply({ full: false, upsert: [svc("a", "web", "10.96.0.99")], remove: ["b/db", "b/never"] });
  assert.equal(c.get("a", "web")?.clusterIPs[0], "10.96.0.99");
  assert.equal(c.get("b", "db"), undefined);
  assert.deepEqual(heard[2], { full: false, changed: ["a/web"], removed: ["b/db"] });
  assert.deepEqual(c.inNamespace("a").map((s) => s.name), ["web"]);
});
