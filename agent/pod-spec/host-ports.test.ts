import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1";
import { hostPortMappings } from "./host-ports";

test("hostPorts become portMappings: lower-case protocol, hostIP kept, ports without hostPort and duplicates left out", () => {
  const pod: Pod = {
    spec: {
      containers: [
        { name: "a", ports: [{ containerPort: 8080, hostPort: 18080 }, { containerPort: 9090 }, { containerPort: 53, hostPort: 5353, protocol: "UDP", hostIP: "10.0.0.5" }] },
        { name: "b", ports: [{ containerPort: 8080, hostPort: 18080, protocol: "TCP" }, { containerPort: 7, hostPort: 0 }] },
      ],
    },
  };
  assert.deepEqual(hostPortMappings(pod), [
    { hostPort: 18080, containerPort: 8080, protocol: "tcp" },
    { hostPort: 5353, containerPort: 53, protocol: "udp", hostIP: "10.0.0.5" },
  ]);
  assert.deepEqual(hostPortMappings({}), []);
});
