// The cluster's address plan from `gantry master` flags, through the real binary and kubectl:
// --cluster-cidr / --node-cidr-mask-size cut the node ranges (spec.podCIDR), which survive a
// master restart (they live in the Nodes; the pool is rebuilt from them), are released with
// their Node, and a node left without one gets a CIDRNotAvailable event; --service-cluster-ip-range
// is where ClusterIPs (and the `kubernetes` Service) come from. Nodes here are Node objects
// without agents. Bad flags stop the master with a message naming the flag.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { Kubectl } from "./helpers/kubectl";
import { startMaster, type MasterHandle } from "./helpers/master-process";
import { waitFor } from "./helpers/wait";

const GANTRY = path.resolve(__dirname, "../cli/gantry.js");
const FLAGS = ["--cluster-cidr", "10.10.0.0/23", "--node-cidr-mask-size", "24", "--service-cluster-ip-range", "10.100.0.0/24"];

let master: MasterHandle;
let kubectl: Kubectl;

before(async () => {
  master = await startMaster({ args: FLAGS });
  kubectl = new Kubectl(master.kubeconfig);
});
after(async () => {
  kubectl?.cleanup();
  await master?.stop();
});

const node = (name: string) => JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name }, spec: {} });

async function podCidrs(): Promise<Record<string, string>> {
  const out = await kubectl.ok(["get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.podCIDR}{\"\\n\"}{end}"]);
  return Object.fromEntries(out.split("\n").filter(Boolean).map((l) => l.split("=") as [string, string]));
}

test("node ranges come from --cluster-cidr in /--node-cidr-mask-size pieces; a node left without one is told by a CIDRNotAvailable event", async () => {
  for (const n of ["a", "b"]) await kubectl.ok(["create", "-f", "-"], { stdin: node(n) });
  const two = await waitFor("both nodes with a range", async () => {
    const c = await podCidrs();
    return c.a && c.b ? c : undefined;
  });
  assert.deepEqual([two.a, two.b].sort(), ["10.10.0.0/24", "10.10.1.0/24"]);

  await kubectl.ok(["create", "-f", "-"], { stdin: node("c") });
  const event = await waitFor("a CIDRNotAvailable event for node c", async () => {
    const out = await kubectl.ok(["get", "events", "-A", "--field-selector", "involvedObject.kind=Node,involvedObject.name=c", "-o", "jsonpath={range .items[*]}{.reason}|{.type}|{.message}{\"\\n\"}{end}"]);
    return out.split("\n").find((l) => l.startsWith("CIDRNotAvailable|"));
  });
  assert.equal(event, "CIDRNotAvailable|Normal|Node c status is now: CIDRNotAvailable: no /24 is left in the cluster CIDR 10.10.0.0/23 (2 ranges, all held by nodes); pods on this node wait until a node is deleted or the cluster CIDR is larger");
  assert.match(await kubectl.ok(["describe", "node", "c"]), /Normal\s+CIDRNotAvailable\s+\S+\s+cidrAllocator\s+Node c status is now: CIDRNotAvailable/);
  assert.equal((await podCidrs()).c, "");
});

test("after a master restart the ranges stay where they were, and a deleted node's range goes to the node that waited", async () => {
  const before = await podCidrs();
  await master.kill("SIGTERM");
  await master.restart();
  await kubectl.ok(["create", "-f", "-"], { stdin: node("d") });
  // The new leader has rebuilt its pool from the Nodes: nothing moved, nothing handed out twice.
  await new Promise((r) => setTimeout(r, 1500));
  const afterRestart = await podCidrs();
  assert.deepEqual({ a: afterRestart.a, b: afterRestart.b, c: afterRestart.c, d: afterRestart.d }, { a: before.a, b: before.b, c: "", d: "" });

  const freed = afterRestart.a;
  await kubectl.ok(["delete", "node", "a"]);
  const got = await waitFor("the freed range handed to a waiting node", async () => {
    const c = await podCidrs();
    return c.c === freed || c.d === freed ? c : undefined;
  });
  assert.equal([got.c, got.d].filter((x) => x === freed).length, 1, "handed out once");
  assert.notEqual(got.b, freed);
});

test("ClusterIPs come from --service-cluster-ip-range: the kubernetes Service takes the first address, one outside the range is refused", async () => {
  assert.equal(await kubectl.ok(["get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}"]), "10.100.0.1");
  await kubectl.ok(["create", "service", "clusterip", "web", "--tcp=80:8080"]);
  const ip = await kubectl.ok(["get", "service", "web", "-o", "jsonpath={.spec.clusterIP}"]);
  assert.match(ip, /^10\.100\.0\.\d+$/);
  assert.ok(!["10.100.0.0", "10.100.0.1", "10.100.0.255"].includes(ip), ip);
  const outside = await kubectl.run(["create", "service", "clusterip", "db", "--tcp=5432", "--clusterip=10.96.0.50"]);
  assert.notEqual(outside.code, 0);
  assert.match(outside.stderr, /spec\.clusterIPs: Invalid value: \[\]string\{"10\.96\.0\.50"\}: failed to allocate IP 10\.96\.0\.50: the provided IP \(10\.96\.0\.50\) is not in the valid range\. The range of valid IPs is 10\.100\.0\.0\/24/);
  // The range's tenth address is the cluster DNS's: the bootstrap gives it to kube-system/kube-dns.
  await waitFor("kube-dns at 10.100.0.10", async () => (await kubectl.run(["get", "service", "-n", "kube-system", "kube-dns", "-o", "jsonpath={.spec.clusterIP}"])).stdout === "10.100.0.10");
  const taken = await kubectl.run(["create", "service", "clusterip", "dns", "--tcp=53", "--clusterip=10.100.0.10"]);
  assert.match(taken.stderr, /failed to allocate IP 10\.100\.0\.10: provided IP is already allocated/);
  await kubectl.ok(["create", "service", "clusterip", "dns", "--tcp=53", "--clusterip=10.100.0.53"]);
});

test("flags that make no plan stop the master with a message naming the flag", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gantry-bad-flags-"));
  try {
    const cases: [string[], RegExp][] = [
      [["--service-cluster-ip-range", "10.0.0.0/8"], /--service-cluster-ip-range 10\.0\.0\.0\/8 is too large; for 32-bit addresses, the mask must be >= 12/],
      [["--cluster-cidr", "10.96.0.0/16"], /--service-cluster-ip-range 10\.96\.0\.0\/12 overlaps --cluster-cidr 10\.96\.0\.0\/16/],
      [["--cluster-cidr", "10.244.0.0/16", "--node-cidr-mask-size", "12"], /--node-cidr-mask-size 12 must be between the cluster CIDR's own size \(\/16\) and 30/],
      [["--cluster-cidr", "10.244.1.0/16"], /--cluster-cidr 10\.244\.1\.0\/16 has host bits set: the network is 10\.244\.0\.0\/16/],
      [["--service-cluster-ip-range", "fd00::/108"], /--service-cluster-ip-range fd00::\/108 is not an IPv4 network in CIDR notation like 10\.96\.0\.0\/12/],
    ];
    for (const [flags, message] of cases) {
      const r = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile(process.execPath, [GANTRY, "master", "--data-dir", dir, "--port", "0", ...flags], { timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, out: stdout + stderr }),
        ),
      );
      assert.equal(r.code, 1, `${flags.join(" ")}: ${r.out}`);
      assert.match(r.out, message);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
