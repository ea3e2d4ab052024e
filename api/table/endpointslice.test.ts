import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { endpointSlicePrinter } from "./endpointslice";
import { MINUTE, NOW, ago } from "./testing/clock";

function slice(fields: Record<string, unknown>): KubeObject {
  return { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "web-x7k2p", creationTimestamp: ago(3 * MINUTE) }, addressType: "IPv4", ...fields };
}

test("NAME ADDRESSTYPE PORTS ENDPOINTS AGE", () => {
  assert.deepEqual(
    endpointSlicePrinter.columns.map((c) => c.name),
    ["Name", "AddressType", "Ports", "Endpoints", "Age"],
  );
  const s = slice({ ports: [{ name: "http", port: 8080, protocol: "TCP" }], endpoints: [{ addresses: ["10.244.1.5"] }, { addresses: ["10.244.2.9"] }] });
  assert.deepEqual(endpointSlicePrinter.print(s, NOW).cells, ["web-x7k2p", "IPv4", "8080", "10.244.1.5,10.244.2.9", "3m"]);
});

test("more than three ports or addresses: the first three and how many more", () => {
  const ports = [80, 81, 82, 83, 84].map((port) => ({ name: `p${port}`, port, protocol: "TCP" }));
  const endpoints = [1, 2, 3, 4].map((i) => ({ addresses: [`10.244.0.${i}`] }));
  const cells = endpointSlicePrinter.print(slice({ ports, endpoints }), NOW).cells;
  assert.equal(cells[2], "80,81,82 + 2 more...");
  assert.equal(cells[3], "10.244.0.1,10.244.0.2,10.244.0.3 + 1 more...");
});

test("an empty (placeholder) slice prints <unset>; a port without a number prints its name or *", () => {
  const cells = endpointSlicePrinter.print(slice({ ports: null, endpoints: null }), NOW).cells;
  assert.deepEqual(cells.slice(2, 4), ["<unset>", "<unset>"]);
  assert.equal(endpointSlicePrinter.print(slice({ ports: [{ name: "all" }, { name: "" }], endpoints: [] }), NOW).cells[2], "all,*");
});
