import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { requestAttributes } from "./request-attributes";

const user = { name: "u", groups: [] };
function attrs(method: string, url: string) {
  const u = new URL(url, "https://x");
  const a = requestAttributes({ method } as IncomingMessage, u, user);
  return [a.verb, a.resourceRequest, a.apiGroup, a.resource, a.subresource, a.namespace, a.name].join(" ").trim();
}

test("verbs, resources and names as Kubernetes' RequestInfoFactory derives them", () => {
  assert.equal(attrs("GET", "/api/v1/namespaces/default/pods"), "list true  pods  default");
  assert.equal(attrs("GET", "/api/v1/namespaces/default/pods?watch=true"), "watch true  pods  default");
  assert.equal(attrs("GET", "/api/v1/watch/namespaces/default/pods/web"), "watch true  pods  default web");
  assert.equal(attrs("GET", "/api/v1/namespaces/default/pods/web"), "get true  pods  default web");
  assert.equal(attrs("POST", "/api/v1/namespaces/default/pods"), "create true  pods  default");
  assert.equal(attrs("PUT", "/api/v1/nodes/node-a/status"), "update true  nodes status  node-a");
  assert.equal(attrs("PATCH", "/api/v1/nodes/node-a"), "patch true  nodes   node-a");
  assert.equal(attrs("DELETE", "/api/v1/namespaces/default/pods"), "deletecollection true  pods  default");
  assert.equal(attrs("DELETE", "/apis/apps/v1/namespaces/default/deployments/web"), "delete true apps deployments  default web");
  assert.equal(attrs("PUT", "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval"), "update true certificates.k8s.io certificatesigningrequests approval  csr-1");
});

test("exec, attach and portforward are create whatever the method", () => {
  assert.equal(attrs("GET", "/api/v1/namespaces/default/pods/web/exec?command=sh"), "create true  pods exec default web");
  assert.equal(attrs("POST", "/api/v1/namespaces/default/pods/web/portforward"), "create true  pods portforward default web");
  assert.equal(attrs("GET", "/api/v1/namespaces/default/pods/web/log"), "get true  pods log default web");
  // kubectl debug writes through its own subresource.
  assert.equal(attrs("PATCH", "/api/v1/namespaces/default/pods/web/ephemeralcontainers"), "patch true  pods ephemeralcontainers default web");
});

test("metrics: /metrics is a non-resource get; a node's proxied /metrics is get on nodes/proxy", () => {
  assert.equal(attrs("GET", "/metrics"), "get false");
  assert.equal(attrs("GET", "/api/v1/nodes/node-a/proxy/metrics"), "get true  nodes proxy  node-a");
  assert.equal(attrs("GET", "/api/v1/nodes/node-a/proxy"), "get true  nodes proxy  node-a");
});

test("a metadata.name field selector names the object of a list or watch", () => {
  assert.equal(attrs("GET", "/api/v1/namespaces/default/secrets?fieldSelector=metadata.name%3Ddb&watch=1"), "watch true  secrets  default db");
  const u = new URL("https://x/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-b");
  assert.deepEqual(requestAttributes({ method: "GET" } as IncomingMessage, u, user).fieldSelector, [{ field: "spec.nodeName", value: "node-b" }]);
});

test("paths outside the resource API are non-resource requests", () => {
  assert.equal(attrs("GET", "/healthz"), "get false");
  assert.equal(attrs("GET", "/apis/apps/v1"), "get false");
  assert.equal(attrs("POST", "/version"), "post false");
});
