import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiClient } from "./api-client";
import { nodeLabels, registerNode, registrationStatus, type RegisterNodeOptions } from "./registration";

const options: RegisterNodeOptions = {
  api: new ApiClient({ server: "https://127.0.0.1:6443", caPem: "-----BEGIN CERTIFICATE-----" }),
  nodeName: "worker-1",
  addresses: [{ type: "InternalIP", address: "10.0.0.5" }],
  port: 10250,
  capacity: { cpu: "4", memory: "8Gi", pods: "110" },
  allocatable: { cpu: "3900m", memory: "7Gi", pods: "110" },
  nodeInfo: { kubeletVersion: "v1.32.0-gantry", kernelVersion: "6.1.0" },
};

test("the node carries the standard labels, with Go's architecture names", () => {
  assert.deepEqual(nodeLabels("worker-1", { zone: "a" }, "x64"), { zone: "a", "kubernetes.io/hostname": "worker-1", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64" });
  assert.equal(nodeLabels("n", {}, "arm64")["kubernetes.io/arch"], "arm64");
  // The standard labels win over extras that try to change them.
  assert.equal(nodeLabels("n", { "kubernetes.io/hostname": "other" })["kubernetes.io/hostname"], "n");
});

test("the registered status says where the agent listens and that it is Ready", () => {
  const s = registrationStatus(options, "2025-01-01T00:00:00Z") as {
    addresses: { type: string; address: string }[];
    daemonEndpoints: { kubeletEndpoint: { Port: number } };
    conditions: { type: string; status: string; lastHeartbeatTime: string }[];
    nodeInfo: Record<string, string>;
    allocatable: Record<string, string>;
  };
  assert.deepEqual(s.addresses, [{ type: "InternalIP", address: "10.0.0.5" }, { type: "Hostname", address: "worker-1" }]);
  assert.deepEqual(s.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
  const ready = s.conditions.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "True");
  assert.equal(ready.lastHeartbeatTime, "2025-01-01T00:00:00Z");
  assert.deepEqual(s.conditions.filter((c) => c.status === "False").map((c) => c.type), ["MemoryPressure", "DiskPressure", "PIDPressure"]);
  assert.equal(s.nodeInfo.kubeletVersion, "v1.32.0-gantry");
  assert.equal(s.nodeInfo.operatingSystem, "linux");
  assert.equal(s.allocatable.cpu, "3900m");
});

test("registration needs an InternalIP; the API client needs https and the cluster CA", async () => {
  await assert.rejects(registerNode({ ...options, addresses: [{ type: "Hostname", address: "worker-1" }] }), /InternalIP/);
  assert.throws(() => new ApiClient({ server: "https://127.0.0.1:6443" }), /no cluster CA/);
  assert.throws(() => new ApiClient({ server: "http://127.0.0.1:6443", caPem: "x" }), /must be an https/);
});

test("an unverified client never sends credentials", async () => {
  const api = new ApiClient({ server: "https://127.0.0.1:1", insecure: true, credentials: () => ({ token: "abcdef.0123456789abcdef" }) });
  await assert.rejects(api.request("GET", "/"), /refusing to send credentials/);
});
