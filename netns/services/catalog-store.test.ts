import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ServiceCatalog, type ServiceInfo } from "./catalog";
import { CatalogStore } from "./catalog-store";
import { service } from "./testing/service-fixtures";

const svc = (name: string) => service("prod", name, { clusterIPs: ["10.96.0.20"] });

test("the catalog survives a restart: saved after changes, restored before the first full set, then replaced", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gantry-catalog-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "services.json");
  const errors: unknown[] = [];

  const first = new ServiceCatalog();
  const store1 = new CatalogStore(file, first, (e) => errors.push(e), 10);
  await store1.start();
  first.apply({ full: true, upsert: [svc("web"), svc("db")], remove: [] });
  first.apply({ full: false, upsert: [], remove: ["prod/db"] });
  await store1.stop();
  assert.deepEqual((JSON.parse(await readFile(file, "utf8")) as { services: ServiceInfo[] }).services.map((s) => s.name), ["web"]);

  const second = new ServiceCatalog();
  const heard: string[][] = [];
  second.subscribe((c) => heard.push(c.changed));
  const store2 = new CatalogStore(file, second, (e) => errors.push(e), 10);
  await store2.start();
  assert.deepEqual(second.list().map((s) => s.name), ["web"]);
  assert.ok(second.hasView() && !second.isSynced());
  assert.deepEqual(heard, [["prod/web"]], "listeners (DNS, proxy) hear the restored view");
  second.apply({ full: true, upsert: [svc("api")], remove: [] });
  assert.deepEqual(second.list().map((s) => s.name), ["api"]);
  second.restore([svc("stale")]);
  assert.deepEqual(second.list().map((s) => s.name), ["api"], "a restore after the first full set is ignored");
  await store2.stop();
  assert.deepEqual(errors, []);
});
