import { test } from "node:test";
import assert from "node:assert/strict";
import { RESOURCES, type ResourceType } from "../resources";
import { aggregatedDiscovery, type APIResourceDiscovery } from "./aggregated";
import { subresourceInfo } from "./subresources";

function find(scope: "core" | "named", group: string, version: string, resource: string): APIResourceDiscovery {
  const list = aggregatedDiscovery(scope);
  const g = list.items.find((i) => (i.metadata.name ?? "") === group);
  assert.ok(g, `group "${group}" missing`);
  const v = g.versions.find((x) => x.version === version);
  assert.ok(v, `${group}/${version} missing`);
  const r = v.resources.find((x) => x.resource === resource);
  assert.ok(r, `${resource} missing from ${group}/${version}`);
  return r;
}

test("/api holds only the core group, unnamed, with v1", () => {
  const list = aggregatedDiscovery("core");
  assert.equal(list.kind, "APIGroupDiscoveryList");
  assert.equal(list.apiVersion, "apidiscovery.k8s.io/v2");
  assert.equal(list.items.length, 1);
  assert.equal(list.items[0].metadata.name, undefined);
  assert.deepEqual(list.items[0].versions.map((v) => [v.version, v.freshness]), [["v1", "Current"]]);
});

test("/apis lists named groups in catalogue order, preferred version first, no empty group", () => {
  const list = aggregatedDiscovery("named");
  assert.deepEqual(
    list.items.map((i) => [i.metadata.name, i.versions.map((v) => v.version)]),
    [
      ["apps", ["v1"]],
      ["authentication.k8s.io", ["v1"]],
      ["authorization.k8s.io", ["v1"]],
      ["autoscaling", ["v2", "v1"]],
      ["batch", ["v1"]],
      ["certificates.k8s.io", ["v1"]],
      ["coordination.k8s.io", ["v1"]],
      ["discovery.k8s.io", ["v1"]],
      ["rbac.authorization.k8s.io", ["v1"]],
    ],
  );
});

test("v2beta1 has the same content under its own apiVersion", () => {
  const v2 = aggregatedDiscovery("named", "v2");
  const beta = aggregatedDiscovery("named", "v2beta1");
  assert.equal(beta.apiVersion, "apidiscovery.k8s.io/v2beta1");
  assert.deepEqual(beta.items, v2.items);
});

test("pods carry short names, categories and every subresource kubectl uses", () => {
  const pods = find("core", "", "v1", "pods");
  assert.deepEqual(pods.responseKind, { group: "", version: "v1", kind: "Pod" });
  assert.equal(pods.scope, "Namespaced");
  assert.equal(pods.singularResource, "pod");
  assert.deepEqual(pods.shortNames, ["po"]);
  assert.deepEqual(pods.categories, ["all"]);
  const subs = Object.fromEntries((pods.subresources ?? []).map((s) => [s.subresource, s]));
  assert.deepEqual(subs.eviction, { subresource: "eviction", responseKind: { group: "policy", version: "v1", kind: "Eviction" }, verbs: ["create"] });
  assert.deepEqual(subs.status.verbs, ["get", "patch", "update"]);
  assert.deepEqual(subs.status.responseKind, { group: "", version: "v1", kind: "Pod" });
  assert.deepEqual(subs.log.verbs, ["get"]);
  assert.deepEqual(subs.binding.verbs, ["create"]);
  for (const s of ["exec", "attach", "portforward"]) assert.deepEqual(subs[s].verbs, ["create", "get"], s);
  // kubectl debug patches pods/ephemeralcontainers; it falls back to an older API when discovery lacks it.
  assert.deepEqual(subs.ephemeralcontainers, { subresource: "ephemeralcontainers", responseKind: { group: "", version: "v1", kind: "Pod" }, verbs: ["get", "patch", "update"] });
});

test("deployments/scale speaks autoscaling/v1 Scale; nodes are cluster-scoped", () => {
  const deploy = find("named", "apps", "v1", "deployments");
  assert.deepEqual(deploy.shortNames, ["deploy"]);
  const scale = deploy.subresources?.find((s) => s.subresource === "scale");
  assert.deepEqual(scale, { subresource: "scale", responseKind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] });
  assert.equal(find("core", "", "v1", "nodes").scope, "Cluster");
  // kubectl get --raw /api/v1/nodes/<node>/proxy/metrics: the agent's metrics through the API.
  assert.deepEqual(find("core", "", "v1", "nodes").subresources?.find((s) => s.subresource === "proxy"), { subresource: "proxy", responseKind: { group: "", version: "v1", kind: "NodeProxyOptions" }, verbs: ["get"] });
});

test("resources without short names or categories omit those fields", () => {
  const secrets = find("core", "", "v1", "secrets");
  assert.equal("shortNames" in secrets, false);
  assert.equal("categories" in secrets, false);
  assert.equal("subresources" in find("named", "coordination.k8s.io", "v1", "leases"), false);
});

test("every catalogue entry is announced exactly once, with its verbs", () => {
  const all = [...aggregatedDiscovery("core").items, ...aggregatedDiscovery("named").items].flatMap((g) =>
    g.versions.flatMap((v) => v.resources.map((r) => ({ key: `${g.metadata.name ?? ""}/${v.version}/${r.resource}`, r }))),
  );
  assert.equal(all.length, RESOURCES.length);
  for (const res of RESOURCES) {
    const hit = all.filter((a) => a.key === `${res.group}/${res.version}/${res.plural}`);
    assert.equal(hit.length, 1, `${res.group}/${res.version}/${res.plural}`);
    assert.deepEqual(hit[0].r.verbs, res.verbs);
  }
});

test("an undescribed subresource fails loudly, naming the resource", () => {
  const fake: ResourceType = { ...RESOURCES[0], plural: "widgets", subresources: ["frobnicate"] };
  assert.throws(() => subresourceInfo(fake, "frobnicate"), /widgets.*"frobnicate"/);
});
