import { test } from "node:test";
import assert from "node:assert/strict";
import { apiGroup, apiGroupList, apiResourceList, apiVersions, type APIResource } from "./legacy";

function entry(group: string, version: string, name: string): APIResource {
  const list = apiResourceList(group, version);
  assert.ok(list, `${group}/${version} not served`);
  const r = list.resources.find((x) => x.name === name);
  assert.ok(r, `${name} missing from ${list.groupVersion}`);
  return r;
}

test("/api names v1 and advertises the server address when given", () => {
  assert.deepEqual(apiVersions("10.0.0.1:6443"), {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "10.0.0.1:6443" }],
  });
  assert.deepEqual(apiVersions().serverAddressByClientCIDRs, []);
});

test("/apis lists named groups with their preferred version", () => {
  const list = apiGroupList();
  assert.equal(list.kind, "APIGroupList");
  const autoscaling = list.groups.find((g) => g.name === "autoscaling");
  assert.deepEqual(autoscaling, {
    name: "autoscaling",
    versions: [
      { groupVersion: "autoscaling/v2", version: "v2" },
      { groupVersion: "autoscaling/v1", version: "v1" },
    ],
    preferredVersion: { groupVersion: "autoscaling/v2", version: "v2" },
  });
  assert.deepEqual(
    list.groups.map((g) => g.name),
    ["apps", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "rbac.authorization.k8s.io"],
  );
});

test("/apis/<group> answers only served groups", () => {
  assert.equal(apiGroup("apps")?.kind, "APIGroup");
  assert.equal(apiGroup("apps")?.preferredVersion.groupVersion, "apps/v1");
  assert.equal(apiGroup("nope"), undefined);
  assert.equal(apiGroup(""), undefined, "the core group is /api, not /apis/");
  assert.equal(apiGroup("policy"), undefined, "policy has no resource of its own yet");
});

test("/api/v1 lists pods/eviction as policy/v1 Eviction, which kubectl drain requires", () => {
  assert.deepEqual(entry("", "v1", "pods/eviction"), { name: "pods/eviction", singularName: "", namespaced: true, group: "policy", version: "v1", kind: "Eviction", verbs: ["create"] });
});

test("subresources name their kind, and group/version only where it differs", () => {
  const binding = entry("", "v1", "pods/binding");
  assert.equal(binding.kind, "Binding");
  assert.equal("group" in binding, false);
  const status = entry("apps", "v1", "deployments/status");
  assert.deepEqual([status.kind, status.verbs, "group" in status], ["Deployment", ["get", "patch", "update"], false]);
  const scale = entry("apps", "v1", "deployments/scale");
  assert.deepEqual([scale.group, scale.version, scale.kind], ["autoscaling", "v1", "Scale"]);
  assert.deepEqual(entry("", "v1", "namespaces/finalize").verbs, ["update"]);
});

test("resources carry singular name, scope, short names and categories", () => {
  assert.deepEqual(entry("", "v1", "pods"), {
    name: "pods",
    singularName: "pod",
    namespaced: true,
    kind: "Pod",
    verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    shortNames: ["po"],
    categories: ["all"],
  });
  assert.equal(entry("", "v1", "nodes").namespaced, false);
  assert.equal(entry("autoscaling", "v1", "horizontalpodautoscalers").kind, "HorizontalPodAutoscaler");
});

test("group-versions that are not served answer undefined", () => {
  assert.equal(apiResourceList("", "v2"), undefined);
  assert.equal(apiResourceList("apps", "v1beta1"), undefined);
  assert.equal(apiResourceList("policy", "v1"), undefined);
  assert.equal(apiResourceList("apps", "v1")?.groupVersion, "apps/v1");
  assert.equal(apiResourceList("", "v1")?.groupVersion, "v1");
});
