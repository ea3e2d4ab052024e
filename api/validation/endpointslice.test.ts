import { test } from "node:test";
import assert from "node:assert/strict";
import { applyDefaults } from "../defaults";
import type { KubeObject } from "../object";
import { validateCreate, validateUpdate } from "./index";
import { assertCause, assertCauses, assertValid } from "./testing/assert-causes";

function slice(fields: Record<string, unknown> = {}): KubeObject {
  return applyDefaults("EndpointSlice", {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web-abcde", namespace: "default", labels: { "kubernetes.io/service-name": "web" } },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.244.1.5"], conditions: { ready: true }, nodeName: "node-a", hostname: "web-0" }],
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    ...fields,
  });
}

test("a slice with endpoints, and an empty placeholder slice, are valid", () => {
  assertValid(validateCreate("EndpointSlice", slice()));
  assertValid(validateCreate("EndpointSlice", slice({ endpoints: [], ports: [] })));
  assertValid(validateCreate("EndpointSlice", slice({ addressType: "FQDN", endpoints: [{ addresses: ["db.example.com."] }] })));
});

test("addressType is required, one of FQDN/IPv4/IPv6, and immutable", () => {
  assertCauses(validateCreate("EndpointSlice", slice({ addressType: "" })), [["addressType", "Required value"]]);
  assertCauses(validateCreate("EndpointSlice", slice({ addressType: "IP" })), [["addressType", 'Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']]);
  const old = { ...slice(), metadata: { ...slice().metadata, resourceVersion: "5" } };
  const changed = { ...slice({ addressType: "IPv6", endpoints: [{ addresses: ["fd00::5"] }] }), metadata: old.metadata };
  assertCauses(validateUpdate("EndpointSlice", changed, old), [["addressType", 'Invalid value: "IPv6": field is immutable']]);
});

test("endpoints need addresses of the slice's type, never special ones", () => {
  const causes = validateCreate(
    "EndpointSlice",
    slice({ endpoints: [{ addresses: [] }, { addresses: ["fd00::1"] }, { addresses: ["127.0.0.1"] }, { addresses: ["10.0.0.300"] }] }),
  );
  assertCause(causes, "endpoints[0].addresses", "Required value: must contain at least 1 address");
  assertCause(causes, "endpoints[1].addresses[0]", 'Invalid value: "fd00::1": must be a valid IPv4 address');
  assertCause(causes, "endpoints[2].addresses[0]", 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)');
  assertCause(causes, "endpoints[3].addresses[0]", 'Invalid value: "10.0.0.300": must be a valid IPv4 address');
  const v6 = validateCreate("EndpointSlice", slice({ addressType: "IPv6", endpoints: [{ addresses: ["10.0.0.1"] }] }));
  assertCause(v6, "endpoints[0].addresses[0]", 'Invalid value: "10.0.0.1": must be a valid IPv6 address');
  const fqdn = validateCreate("EndpointSlice", slice({ addressType: "FQDN", endpoints: [{ addresses: ["localhost"] }] }));
  assertCause(fqdn, "endpoints[0].addresses[0]", 'Invalid value: "localhost": should be a domain with at least two segments separated by dots');
  const many = Array.from({ length: 101 }, (_, i) => `10.1.${i >> 8}.${(i & 255) + 1}`);
  assertCause(validateCreate("EndpointSlice", slice({ endpoints: [{ addresses: many }] })), "endpoints[0].addresses", "Too many: 101: must have at most 100 items");
  const tooMany = Array.from({ length: 1001 }, () => ({ addresses: ["10.1.0.1"] }));
  assertCauses(validateCreate("EndpointSlice", slice({ endpoints: tooMany })), [["endpoints", "Too many: 1001: must have at most 1000 items"]]);
});

test("hostname is a DNS label, nodeName a DNS subdomain, zone hints unique", () => {
  const causes = validateCreate(
    "EndpointSlice",
    slice({ endpoints: [{ addresses: ["10.244.1.5"], hostname: "web.0", nodeName: "Node_A", hints: { forZones: [{ name: "z1" }, { name: "z1" }] } }] }),
  );
  assertCause(causes, "endpoints[0].hostname", 'Invalid value: "web.0": must not contain dots');
  assert.ok(causes.some((c) => c.field === "endpoints[0].nodeName" && c.message.startsWith('Invalid value: "Node_A": a lowercase RFC 1123 subdomain')));
  assertCause(causes, "endpoints[0].hints.forZones[1].name", 'Duplicate value: "z1"');
});

test("ports: unique DNS-label names, a supported protocol, a qualified appProtocol", () => {
  const causes = validateCreate(
    "EndpointSlice",
    slice({ ports: [{ name: "http", port: 80 }, { name: "http", port: 81 }, { name: "Web", port: 82, protocol: "ICMP", appProtocol: "a/b/c" }] }),
  );
  assertCause(causes, "ports[1].name", 'Duplicate value: "http"');
  assert.ok(causes.some((c) => c.field === "ports[2].name" && c.message.startsWith('Invalid value: "Web": a lowercase RFC 1123 label')));
  assertCause(causes, "ports[2].protocol", 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"');
  assert.ok(causes.some((c) => c.field === "ports[2].appProtocol"));
});

test("defaults: port name \"\" and protocol TCP, conditions {}, empty lists read back as null", () => {
  const s = slice({ endpoints: [{ addresses: ["10.244.1.5"] }], ports: [{ port: 80 }] });
  assert.deepEqual(s.ports, [{ port: 80, name: "", protocol: "TCP" }]);
  assert.deepEqual((s.endpoints as { conditions: unknown }[])[0].conditions, {});
  const empty = slice({ endpoints: [], ports: undefined });
  assert.equal(empty.endpoints, null);
  assert.equal(empty.ports, null);
});
