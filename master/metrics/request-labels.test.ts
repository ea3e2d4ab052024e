// Request classification for apiserver_request_total, as kube-apiserver labels the same requests.

import assert from "node:assert/strict";
import { test } from "node:test";
import { findResource } from "../../api/resources";
import { nonResourceLabels, resourceRequestLabels, type ResourceRequestInfo } from "./request-labels";

const pods = findResource("", "v1", "pods")!;
const nodes = findResource("", "v1", "nodes")!;
const deployments = findResource("apps", "v1", "deployments")!;
const q = (s = "") => new URLSearchParams(s);
const label = (method: string, info: Partial<ResourceRequestInfo>, query = q(), contentType = "application/json") =>
  resourceRequestLabels(method, { resource: pods, watchPath: false, ...info }, query, contentType);
const verbScope = (method: string, info: Partial<ResourceRequestInfo>, query = q(), contentType?: string) => {
  const { labels } = label(method, info, query, contentType);
  return [labels.verb, labels.scope];
};

test("GET of a collection is LIST; of an object GET; scope namespace, cluster or resource", () => {
  assert.deepEqual(verbScope("GET", { namespace: "default" }), ["LIST", "namespace"]);
  assert.deepEqual(verbScope("GET", {}), ["LIST", "cluster"]);
  assert.deepEqual(verbScope("GET", { namespace: "default", name: "web" }), ["GET", "resource"]);
  assert.deepEqual(verbScope("HEAD", { namespace: "default" }), ["LIST", "namespace"]);
  assert.deepEqual(verbScope("HEAD", { namespace: "default", name: "web" }), ["GET", "resource"]);
});

test("watches: ?watch=true (any value but 0/false), the legacy /watch/ path; both long-running", () => {
  for (const v of ["true", "1", "True", "yes"]) assert.deepEqual(verbScope("GET", { namespace: "default" }, q(`watch=${v}`)), ["WATCH", "namespace"], v);
  for (const v of ["false", "0", "FALSE"]) assert.deepEqual(verbScope("GET", { namespace: "default" }, q(`watch=${v}`)), ["LIST", "namespace"], v);
  assert.deepEqual(verbScope("GET", { name: "web", namespace: "default" }, q("watch=1")), ["WATCH", "resource"]);
  assert.deepEqual(verbScope("GET", { watchPath: true }), ["WATCH", "cluster"]);
  assert.equal(label("GET", {}, q("watch=true")).longRunning, true);
  assert.equal(label("GET", {}).longRunning, false);
});

test("writes: create is POST (scope resource), replace PUT, PATCH or APPLY, collection delete DELETE", () => {
  assert.deepEqual(verbScope("POST", { namespace: "default" }), ["POST", "resource"]);
  assert.deepEqual(verbScope("PUT", { namespace: "default", name: "web" }), ["PUT", "resource"]);
  assert.deepEqual(verbScope("PATCH", { namespace: "default", name: "web" }, q(), "application/strategic-merge-patch+json"), ["PATCH", "resource"]);
  assert.deepEqual(verbScope("PATCH", { namespace: "default", name: "web" }, q(), "application/apply-patch+yaml"), ["APPLY", "resource"]);
  assert.deepEqual(verbScope("DELETE", { namespace: "default" }), ["DELETE", "namespace"]);
  assert.deepEqual(verbScope("DELETE", { namespace: "default", name: "web" }), ["DELETE", "resource"]);
  assert.deepEqual(verbScope("OPTIONS", { namespace: "default", name: "web" }), ["other", "resource"]);
});

test("streaming subresources are CONNECT and long-running; others keep their verb", () => {
  for (const sub of ["exec", "attach", "portforward", "log"]) {
    const r = label(sub === "log" ? "GET" : "POST", { namespace: "default", name: "web", subresource: sub });
    assert.equal(r.labels.verb, "CONNECT", sub);
    assert.equal(r.labels.subresource, sub);
    assert.equal(r.longRunning, true, sub);
  }
  const proxy = resourceRequestLabels("GET", { resource: nodes, name: "n1", subresource: "proxy", watchPath: false }, q(), "");
  assert.deepEqual([proxy.labels.verb, proxy.labels.resource, proxy.labels.scope], ["CONNECT", "nodes", "resource"]);
  assert.deepEqual(verbScope("PATCH", { namespace: "default", name: "web", subresource: "status" }), ["PATCH", "resource"]);
  assert.deepEqual(verbScope("PATCH", { namespace: "default", name: "web", subresource: "ephemeralcontainers" }), ["PATCH", "resource"]);
});

test("group, version, resource and dry_run labels; non-resource paths", () => {
  const { labels } = resourceRequestLabels("POST", { resource: deployments, namespace: "default", watchPath: false }, q("dryRun=All"), "application/json");
  assert.deepEqual(labels, { verb: "POST", dry_run: "All", group: "apps", version: "v1", resource: "deployments", subresource: "", scope: "resource", component: "apiserver" });
  assert.equal(label("POST", {}, q("dryRun=All&dryRun=All")).labels.dry_run, "All");
  assert.equal(label("POST", {}, q("dryRun=Some")).labels.dry_run, "invalid");
  assert.deepEqual(nonResourceLabels("GET", "/metrics"), { verb: "GET", dry_run: "", group: "", version: "", resource: "", subresource: "/metrics", scope: "", component: "apiserver" });
  assert.equal(nonResourceLabels("BREW", undefined).verb, "other");
});
