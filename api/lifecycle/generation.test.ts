import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../object";
import { generationChanged } from "./generation";

const slice = (labels: Record<string, string>, endpoints: unknown[], annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: "web-abcde", labels, annotations },
  addressType: "IPv4",
  endpoints,
});

test("an EndpointSlice's generation counts endpoint and label changes, not annotations", () => {
  const base = slice({ a: "1" }, [{ addresses: ["10.0.0.1"] }]);
  assert.equal(generationChanged("EndpointSlice", slice({ a: "1" }, [{ addresses: ["10.0.0.2"] }]), base), true);
  assert.equal(generationChanged("EndpointSlice", slice({ a: "2" }, [{ addresses: ["10.0.0.1"] }]), base), true);
  assert.equal(generationChanged("EndpointSlice", slice({ a: "1" }, [{ addresses: ["10.0.0.1"] }], { note: "x" }), base), false);
});
