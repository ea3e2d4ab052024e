import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { endpointsPrinter } from "./endpoints";
import { MINUTE, NOW, ago } from "./testing/clock";

function endpoints(subsets?: unknown[]): KubeObject {
  return { apiVersion: "v1", kind: "Endpoints", metadata: { name: "web", creationTimestamp: ago(7 * MINUTE) }, subsets };
}
const cell = (e: KubeObject) => endpointsPrinter.print(e, NOW).cells[1];

test("up to three ip:port pairs", () => {
  const e = endpoints([{ addresses: [{ ip: "10.244.1.5" }, { ip: "10.244.2.9" }], ports: [{ port: 8080, protocol: "TCP" }] }]);
  assert.deepEqual(endpointsPrinter.print(e, NOW).cells, ["web", "10.244.1.5:8080,10.244.2.9:8080", "7m"]);
});

test("more than three: the first three and how many more", () => {
  const e = endpoints([
    {
      addresses: [{ ip: "10.244.1.5" }, { ip: "10.244.2.9" }],
      ports: [
        { name: "http", port: 80 },
        { name: "https", port: 443 },
      ],
    },
    { addresses: [{ ip: "fd00::5" }], ports: [{ port: 80 }] },
  ]);
  assert.equal(cell(e), "10.244.1.5:80,10.244.2.9:80,10.244.1.5:443 + 2 more...");
});

test("a headless subset without ports lists bare IPs; no subsets is <none>", () => {
  assert.equal(cell(endpoints([{ addresses: [{ ip: "10.244.1.5" }] }])), "10.244.1.5");
  assert.equal(cell(endpoints([])), "<none>");
  assert.equal(cell(endpoints(undefined)), "<none>");
  // Only not-ready addresses: a subset exists but nothing is listed.
  assert.equal(cell(endpoints([{ notReadyAddresses: [{ ip: "10.244.1.5" }], ports: [{ port: 80 }] }])), "");
});
