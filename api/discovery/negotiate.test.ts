import { test } from "node:test";
import assert from "node:assert/strict";
import { AGGREGATED_V2BETA1_CONTENT_TYPE, AGGREGATED_V2_CONTENT_TYPE } from "./aggregated";
import { discoveryResponse, negotiateDiscovery } from "./negotiate";

const KUBECTL_ACCEPT =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

test("the content type is exactly what kubectl compares against", () => {
  assert.equal(AGGREGATED_V2_CONTENT_TYPE, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  assert.equal(AGGREGATED_V2BETA1_CONTENT_TYPE, "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
});

test("kubectl's Accept header gets aggregated v2", () => {
  assert.equal(negotiateDiscovery(KUBECTL_ACCEPT), "aggregated-v2");
});

test("a client that only knows v2beta1 gets v2beta1", () => {
  assert.equal(negotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"), "aggregated-v2beta1");
});

test("plain JSON, wildcards, nothing, or only unknown types get legacy", () => {
  assert.equal(negotiateDiscovery("application/json"), "legacy");
  assert.equal(negotiateDiscovery("*/*"), "legacy");
  assert.equal(negotiateDiscovery(""), "legacy");
  assert.equal(negotiateDiscovery(undefined), "legacy");
  assert.equal(negotiateDiscovery("application/vnd.kubernetes.protobuf"), "legacy");
  assert.equal(negotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList"), "legacy");
});

test("client order and q-values decide, parameters in any order and case", () => {
  assert.equal(negotiateDiscovery("application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"), "legacy");
  assert.equal(negotiateDiscovery("application/json;q=0.5, application/json;as=APIGroupDiscoveryList;v=v2;g=apidiscovery.k8s.io"), "aggregated-v2");
  assert.equal(negotiateDiscovery("Application/JSON ; as=APIGroupDiscoveryList ; g=apidiscovery.k8s.io ; v=v2beta1"), "aggregated-v2beta1");
  assert.equal(negotiateDiscovery("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0, application/json"), "legacy");
  assert.equal(negotiateDiscovery("application/json;as=Table;v=v1;g=meta.k8s.io, application/json"), "legacy");
});

test("/api and /apis answer in the negotiated format", () => {
  const agg = discoveryResponse({ type: "discovery-groups" }, KUBECTL_ACCEPT);
  assert.equal(agg?.contentType, AGGREGATED_V2_CONTENT_TYPE);
  assert.equal((agg?.body as { kind: string }).kind, "APIGroupDiscoveryList");
  const core = discoveryResponse({ type: "discovery-core" }, "application/json", { serverAddress: "127.0.0.1:6443" });
  assert.equal(core?.contentType, "application/json");
  assert.equal((core?.body as { kind: string }).kind, "APIVersions");
  const beta = discoveryResponse({ type: "discovery-core" }, "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
  assert.equal(beta?.contentType, AGGREGATED_V2BETA1_CONTENT_TYPE);
  assert.equal((beta?.body as { apiVersion: string }).apiVersion, "apidiscovery.k8s.io/v2beta1");
});

test("group and group-version paths are always legacy JSON, undefined when not served", () => {
  const g = discoveryResponse({ type: "discovery-group", group: "apps" }, KUBECTL_ACCEPT);
  assert.deepEqual([g?.contentType, (g?.body as { kind: string }).kind], ["application/json", "APIGroup"]);
  const rl = discoveryResponse({ type: "discovery-resources", group: "", version: "v1" }, KUBECTL_ACCEPT);
  assert.equal((rl?.body as { kind: string }).kind, "APIResourceList");
  assert.equal(discoveryResponse({ type: "discovery-group", group: "nope" }, KUBECTL_ACCEPT), undefined);
  assert.equal(discoveryResponse({ type: "discovery-resources", group: "apps", version: "v9" }, KUBECTL_ACCEPT), undefined);
});
