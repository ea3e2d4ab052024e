// Services as the Kubernetes tutorials use them, end to end on the multi-host topology
// (helpers/cluster.ts: one master, two agents in their own test hosts, the real kubectl in a
// client host, pods wired by the real CNI plugins, the agents' nftables proxy and DNS):
// a 4-replica ClusterIP Service on 2 nodes spreads requests over every replica, found by name
// through cluster DNS; NodePort answers on each node; an unready pod leaves rotation; hairpin;
// DNS answers A, SRV, PTR and headless records; Service environment variables; a deleted
// Service's ClusterIP is refused and no packet for it leaves the host.
//
// Traffic stays inside the test namespaces; everything is removed in after(), also on failure.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { startCluster, type ClusterAgent, type GantryCluster } from "./helpers/cluster";
import { execInHostNetwork } from "./helpers/netns-hosts";
import { waitFor } from "./helpers/wait";

let c: GantryCluster;
let busybox = "";

/** A pod serving its own name on :8080 (busybox httpd), ready while /tmp/ready exists. */
function echoPod(name: string, node: string): Record<string, unknown> {
  const serve = "trap 'exit 0' TERM; mkdir -p /www; hostname > /www/index.html; touch /tmp/ready; httpd -f -p 8080 -h /www & wait";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "echo", pod: name } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "echo",
          image: busybox,
          command: ["sh", "-c", serve],
          ports: [{ name: "http", containerPort: 8080 }],
          // A generous timeout: on a loaded machine a 1 s exec probe times out and flaps readiness.
          readinessProbe: { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1, failureThreshold: 1, timeoutSeconds: 10 },
        },
      ],
    },
  };
}

function clientPod(name: string, node: string): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: busybox, command: ["sleep", "3600"] }] },
  };
}

async function apply(...objects: Record<string, unknown>[]): Promise<void> {
  for (const o of objects) await c.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(o) });
}

async function ready(...pods: string[]): Promise<void> {
  await c.kubectlOk(["wait", "--for=condition=Ready", ...pods.map((p) => `pod/${p}`), "--timeout=120s"], { timeoutMs: 130_000 });
}

/** Runs a shell script in a pod; the output, whatever the exit code. */
async function inPod(pod: string, script: string, timeoutMs = 60_000): Promise<string> {
  const r = await c.kubectl(["exec", pod, "--", "sh", "-c", script], { timeoutMs });
  return r.stdout + r.stderr;
}

/** Who answered `count` GETs of `url` from `pod`, as name → count. */
async function spread(pod: string, url: string, count: number): Promise<Record<string, number>> {
  const out = await inPod(pod, `for i in $(seq ${count}); do wget -q -O - ${url} 2>&1; done`, 180_000);
  const counts: Record<string, number> = {};
  for (const line of out.split("\n").map((l) => l.trim()).filter(Boolean)) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

const inHost = (a: ClusterAgent, argv: string[]) => execInHostNetwork(a.host, argv);

const ECHOES = ["echo-a1", "echo-a2", "echo-b1", "echo-b2"];

describe("Services on two nodes, driven by kubectl", { timeout: 900_000 }, () => {
  before(async () => {
    c = await startCluster({ agents: ["node-a", "node-b"] });
    busybox = `${c.registry}/gantry/busybox:1`;
    await apply(
      echoPod("echo-a1", "node-a"),
      echoPod("echo-a2", "node-a"),
      echoPod("echo-b1", "node-b"),
      echoPod("echo-b2", "node-b"),
      clientPod("client", "node-a"),
      { apiVersion: "v1", kind: "Service", metadata: { name: "echo" }, spec: { selector: { app: "echo" }, ports: [{ name: "http", port: 80, targetPort: "http" }] } },
    );
    await ready(...ECHOES, "client");
  });

  after(async () => {
    const problems = (await c?.stop()) ?? [];
    if (problems.length > 0) console.error(`cluster cleanup: ${problems.join("; ")}`);
  });

  test("kubectl describe svc shows the four endpoints; 200 requests by name spread over every replica (each at least 10%)", async (t) => {
    await waitFor("four ready endpoints", async () => {
      const names = await c.kubectlOk(["get", "endpointslices", "-l", "kubernetes.io/service-name=echo", "-o", "jsonpath={.items[*].endpoints[?(@.conditions.ready==true)].targetRef.name}"]);
      return ECHOES.every((n) => names.split(/\s+/).includes(n));
    }, 60_000, 500);
    // kubectl describe lists three endpoints and "+ 1 more...".
    const describe = await c.kubectlOk(["describe", "svc", "echo"]);
    assert.match(describe, /^Endpoints:\s+\d+\.\d+\.\d+\.\d+:8080,.*\+ 1 more/m);
    t.diagnostic(describe.split("\n").filter((l) => /^(IP|Port|TargetPort|Endpoints):/.test(l)).join(" | "));
    const counts = await spread("client", "http://echo/", 200);
    t.diagnostic(`200 requests to http://echo/: ${JSON.stringify(counts)}`);
    for (const name of ECHOES) assert.ok((counts[name] ?? 0) >= 20, `${name} answered ${counts[name] ?? 0} of 200: ${JSON.stringify(counts)}`);
    assert.equal(Object.values(counts).reduce((a, b) => a + b, 0), 200);
  });

  test("NodePort answers on each node's address, from the client host", async () => {
    await c.kubectlOk(["create", "service", "nodeport", "echo-np", "--tcp", "80:8080"]);
    await c.kubectlOk(["set", "selector", "service", "echo-np", "pod=echo-b1"]);
    const nodePort = Number(await c.kubectlOk(["get", "svc", "echo-np", "-o", "jsonpath={.spec.ports[0].nodePort}"]));
    assert.ok(nodePort >= 30000 && nodePort <= 32767, `nodePort ${nodePort}`);
    for (const a of c.agents) {
      const body = await waitFor(`NodePort ${nodePort} on ${a.name}`, async () => {
        const r = await c.client.exec("curl", ["-s", "-m", "3", `http://${a.host.address}:${nodePort}/`]);
        return r.code === 0 && r.stdout.trim() !== "" ? r.stdout.trim() : undefined;
      }, 30_000, 500);
      assert.equal(body, "echo-b1", `on ${a.name}`);
    }
  });

  test("an unready pod leaves rotation within a few seconds and gets no traffic", async (t) => {
    const started = Date.now();
    await inPod("echo-a2", "rm /tmp/ready");
    await waitFor("echo-a2 out of the endpoints", async () => {
      const ips = await c.kubectlOk(["get", "endpointslices", "-l", "kubernetes.io/service-name=echo", "-o", "jsonpath={.items[*].endpoints[?(@.conditions.ready==true)].targetRef.name}"]);
      return !ips.split(/\s+/).includes("echo-a2");
    }, 30_000, 100);
    t.diagnostic(`unready → out of the ready endpoints after ${Date.now() - started} ms`);
    // The proxy's rules follow within a second of the slice change.
    await new Promise((r) => setTimeout(r, 1000));
    const counts = await spread("client", "http://echo/", 60);
    t.diagnostic(`60 requests with echo-a2 unready: ${JSON.stringify(counts)}`);
    assert.equal(counts["echo-a2"] ?? 0, 0);
    await inPod("echo-a2", "touch /tmp/ready");
  });

  test("hairpin: a pod reaches itself through its own Service", async () => {
    await c.kubectlOk(["create", "service", "clusterip", "echo-self", "--tcp", "80:8080"]);
    await c.kubectlOk(["set", "selector", "service", "echo-self", "pod=echo-b2"]);
    const body = await waitFor("echo-b2 through echo-self", async () => {
      const out = (await inPod("echo-b2", "wget -q -O - http://echo-self/")).trim();
      return out === "echo-b2" ? out : undefined;
    }, 30_000, 500);
    assert.equal(body, "echo-b2");
  });

  test("cluster DNS: A, SRV and PTR of a Service; a headless Service's pods; names outside the cluster are not answered", async (t) => {
    const clusterIP = (await c.kubectlOk(["get", "svc", "echo", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    const a = await inPod("client", "nslookup echo.default.svc.cluster.local");
    t.diagnostic(a.replace(/\n+/g, " | "));
    assert.match(a, new RegExp(`Address:\\s*${clusterIP.replace(/\./g, "\\.")}`));
    const srv = await inPod("client", "nslookup -type=SRV _http._tcp.echo.default.svc.cluster.local");
    assert.match(srv, /echo\.default\.svc\.cluster\.local/);
    assert.match(srv, /\b80\b/);
    const ptr = await inPod("client", `nslookup ${clusterIP}`);
    assert.match(ptr, /echo\.default\.svc\.cluster\.local/);
    const short = await inPod("client", "nslookup echo");
    assert.match(short, new RegExp(clusterIP.replace(/\./g, "\\.")), "search path default.svc.cluster.local");

    await apply({ apiVersion: "v1", kind: "Service", metadata: { name: "echo-headless" }, spec: { clusterIP: "None", selector: { app: "echo" }, ports: [{ name: "http", port: 8080 }] } });
    const podIPs = (await c.kubectlOk(["get", "pods", "-l", "app=echo", "-o", "jsonpath={.items[*].status.podIP}"])).trim().split(/\s+/);
    const headless = await waitFor("every echo pod in the headless Service's records", async () => {
      const out = await inPod("client", "nslookup echo-headless.default.svc.cluster.local");
      return podIPs.every((ip) => out.includes(ip)) ? out : undefined;
    }, 30_000, 500);
    t.diagnostic(headless.replace(/\n+/g, " | "));

    const missing = await inPod("client", "nslookup no-such-service.default.svc.cluster.local");
    assert.match(missing, /NXDOMAIN|can't find|not found/i);
  });

  test("a pod started after a Service sees its environment variables", async () => {
    await apply(clientPod("env-reader", "node-b"));
    await ready("env-reader");
    const clusterIP = (await c.kubectlOk(["get", "svc", "echo", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    const env = await c.kubectlOk(["exec", "env-reader", "--", "env"]);
    assert.match(env, new RegExp(`^ECHO_SERVICE_HOST=${clusterIP.replace(/\./g, "\\.")}$`, "m"));
    assert.match(env, /^ECHO_SERVICE_PORT=80$/m);
    assert.match(env, new RegExp(`^ECHO_PORT_80_TCP=tcp://${clusterIP.replace(/\./g, "\\.")}:80$`, "m"));
    assert.match(env, /^KUBERNETES_SERVICE_HOST=/m);
  });

  test("after the Service is deleted its ClusterIP is refused and no packet for it leaves the host", async () => {
    const clusterIP = (await c.kubectlOk(["get", "svc", "echo", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    await c.kubectlOk(["delete", "svc", "echo"]);
    const a = c.agent("node-a");
    const table = `gantry_leak_${randomBytes(3).toString("hex")}`;
    const uplink = c.client.address; // a way out instead of the blackhole default, so a leak would leave
    try {
      await inHost(a, ["ip", "route", "replace", "default", "via", uplink, "dev", "eth0"]);
      await inHost(a, ["nft", "add", "table", "ip", table]);
      await inHost(a, ["nft", "add", "chain", "ip", table, "out", "{ type filter hook postrouting priority 0 ; }"]);
      await inHost(a, ["nft", "add", "rule", "ip", table, "out", "oifname", "eth0", "ip", "daddr", clusterIP, "counter"]);
      const refused = await waitFor("the deleted Service's ClusterIP refused from a pod", async () => {
        const out = await inPod("client", `wget -q -O - http://${clusterIP}/ 2>&1; echo "rc=$?"`);
        return /refused|unreachable/i.test(out) ? out : undefined;
      }, 30_000, 500);
      assert.match(refused, /rc=1/);
      await inHost(a, ["busybox", "nc", "-w", "1", clusterIP, "80"]);
      const listing = (await inHost(a, ["nft", "list", "chain", "ip", table, "out"])).stdout;
      assert.match(listing, /counter packets 0 bytes 0/, `a packet for ${clusterIP} left through eth0:\n${listing}`);
    } finally {
      await inHost(a, ["nft", "delete", "table", "ip", table]);
      await inHost(a, ["ip", "route", "replace", "blackhole", "default"]);
    }
  });
});
