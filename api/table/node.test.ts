import assert from "node:assert/strict";
import { test } from "node:test";
import type { KubeObject } from "../object";
import { nodePrinter } from "./node";
import { DAY, NOW, ago } from "./testing/clock";

function node(labels: Record<string, string>, spec: Record<string, unknown>, conditions: unknown[]): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node1", labels, creationTimestamp: ago(12 * DAY) },
    spec,
    status: {
      conditions,
      addresses: [
        { type: "Hostname", address: "node1" },
        { type: "InternalIP", address: "10.0.0.11" },
      ],
      nodeInfo: {
        kubeletVersion: "v1.32.4",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        kernelVersion: "6.1.0-31-amd64",
        containerRuntimeVersion: "gantry://1.0.0",
      },
    },
  };
}

const READY = { type: "Ready", status: "True", reason: "KubeletReady" };
const cells = (n: KubeObject) => nodePrinter.print(n, NOW).cells;

test("a ready control-plane node, every column", () => {
  const n = node({ "node-role.kubernetes.io/control-plane": "" }, {}, [{ type: "MemoryPressure", status: "False" }, READY]);
  assert.deepEqual(cells(n), [
    "node1",
    "Ready",
    "control-plane",
    "12d",
    "v1.32.4",
    "10.0.0.11",
    "<none>",
    "Debian GNU/Linux 12 (bookworm)",
    "6.1.0-31-amd64",
    "gantry://1.0.0",
  ]);
  assert.deepEqual(
    nodePrinter.columns.map((c) => [c.name, c.priority]),
    [
      ["Name", 0],
      ["Status", 0],
      ["Roles", 0],
      ["Age", 0],
      ["Version", 0],
      ["Internal-IP", 1],
      ["External-IP", 1],
      ["OS-Image", 1],
      ["Kernel-Version", 1],
      ["Container-Runtime", 1],
    ],
  );
});

test("a cordoned ready node is Ready,SchedulingDisabled", () => {
  assert.equal(cells(node({}, { unschedulable: true }, [READY]))[1], "Ready,SchedulingDisabled");
});

test("not ready, unknown and missing Ready conditions", () => {
  assert.equal(cells(node({}, {}, [{ type: "Ready", status: "False" }]))[1], "NotReady");
  assert.equal(cells(node({}, {}, [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown" }]))[1], "NotReady");
  assert.equal(cells(node({}, { unschedulable: true }, [{ type: "Ready", status: "Unknown" }]))[1], "NotReady,SchedulingDisabled");
  assert.equal(cells(node({}, {}, []))[1], "Unknown");
});

test("roles: node-role.kubernetes.io/* keys and kubernetes.io/role values, sorted and de-duplicated", () => {
  const n = node(
    {
      "node-role.kubernetes.io/worker": "",
      "node-role.kubernetes.io/control-plane": "",
      "node-role.kubernetes.io/": "",
      "kubernetes.io/role": "worker",
      "kubernetes.io/hostname": "node1",
    },
    {},
    [READY],
  );
  assert.equal(cells(n)[2], "control-plane,worker");
  assert.equal(cells(node({ "kubernetes.io/hostname": "node1" }, {}, [READY]))[2], "<none>");
});

test("missing node info prints <unknown> in the wide columns and an empty version", () => {
  const n: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name: "bare" } };
  assert.deepEqual(cells(n), ["bare", "Unknown", "<none>", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"]);
});
