// Metrics as a Prometheus user reaches them, against a real cluster (one `gantry master`, one
// `gantry agent`, the registry, kubectl 1.32 in test hosts): the master's /metrics and the
// agent's through the API at /api/v1/nodes/<node>/proxy/metrics, both read with
// `kubectl get --raw` and parsed strictly as the text exposition format; the counters move
// with the requests and pods that happen.

import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { API_PORT, startCluster, type GantryCluster } from "./helpers/cluster";
import { parsePrometheusText, sampleSum, type Family } from "./helpers/prom-text";
import { waitFor } from "./helpers/wait";

const NODE = "node-a";
let c: GantryCluster;

const scrape = async (path: string): Promise<Map<string, Family>> => parsePrometheusText(await c.kubectlOk(["get", "--raw", path]));
const master = () => scrape("/metrics");
const agent = () => scrape(`/api/v1/nodes/${NODE}/proxy/metrics`);

before(async () => {
  c = await startCluster({ agents: [NODE] });
});

after(async () => {
  if (!c) return;
  const problems = await c.stop();
  if (problems.length > 0) throw new Error(`cleanup: ${problems.join("; ")}`);
});

describe("metrics", () => {
  test("the master's /metrics: apiserver, etcd, leader election, scheduler, work queues, process", async () => {
    const m = await master();
    const types = Object.fromEntries([...m.values()].map((f) => [f.name, f.type]));
    for (const [name, type] of Object.entries({
      apiserver_request_total: "counter",
      apiserver_request_duration_seconds: "histogram",
      apiserver_longrunning_requests: "gauge",
      etcd_request_duration_seconds: "histogram",
      leader_election_master_status: "gauge",
      scheduler_schedule_attempts_total: "counter",
      scheduler_scheduling_attempt_duration_seconds: "histogram",
      scheduler_pending_pods: "gauge",
      workqueue_depth: "gauge",
      workqueue_adds_total: "counter",
      workqueue_queue_duration_seconds: "histogram",
      process_cpu_seconds_total: "counter",
      process_resident_memory_bytes: "gauge",
    })) {
      assert.equal(types[name], type, name);
    }
    assert.equal(sampleSum(m, "leader_election_master_status", { name: "gantry-master" }), 1, "the only master leads");
    assert.ok(sampleSum(m, "etcd_request_duration_seconds_count", { operation: "list", type: "nodes" }) > 0, "informers listed nodes");
    assert.ok(sampleSum(m, "etcd_request_duration_seconds_count", { operation: "create", type: "namespaces" }) > 0, "the system namespaces were created");
    assert.ok(sampleSum(m, "workqueue_adds_total", { name: "endpointslice" }) > 0, "controllers report their queues");
    assert.equal(sampleSum(m, "scheduler_pending_pods", { queue: "active" }), 0);
  });

  test("apiserver_request_total counts each request by verb, resource, scope and code", async () => {
    const listed = { verb: "LIST", group: "", version: "v1", resource: "configmaps", subresource: "", scope: "namespace", component: "apiserver", code: "200", dry_run: "" };
    const created = { ...listed, verb: "POST", scope: "resource", code: "201" };
    const conflict = { ...created, code: "409" };
    const before = await master();
    for (let i = 0; i < 5; i++) await c.kubectlOk(["get", "configmaps"]);
    await c.kubectlOk(["create", "configmap", "counted", "--from-literal=a=b"]);
    assert.notEqual((await c.kubectl(["create", "configmap", "counted", "--from-literal=a=b"])).code, 0);
    const after = await master();
    assert.equal(sampleSum(after, "apiserver_request_total", listed) - sampleSum(before, "apiserver_request_total", listed), 5);
    assert.equal(sampleSum(after, "apiserver_request_total", created) - sampleSum(before, "apiserver_request_total", created), 1);
    assert.equal(sampleSum(after, "apiserver_request_total", conflict) - sampleSum(before, "apiserver_request_total", conflict), 1);
    const { code: _code, ...durationLabels } = listed;
    assert.equal(sampleSum(after, "apiserver_request_duration_seconds_count", durationLabels) - sampleSum(before, "apiserver_request_duration_seconds_count", durationLabels), 5);
  });

  test("an open watch is a long-running request while it lasts", async () => {
    const watching = { verb: "WATCH", resource: "configmaps", scope: "namespace" };
    const child = c.client.spawn("kubectl", [...c.kubectlPrefix(), "get", "configmaps", "--watch"], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    try {
      await waitFor("the watch counted as long-running", async () => sampleSum(await master(), "apiserver_longrunning_requests", watching) === 1, 20_000);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    await waitFor("the watch no longer counted", async () => sampleSum(await master(), "apiserver_longrunning_requests", watching) === 0, 20_000);
    assert.ok(sampleSum(await master(), "apiserver_request_total", { ...watching, code: "200" }) >= 1, "the ended watch is counted");
  });

  test("the agent's metrics through nodes/proxy: a pod start moves the kubelet counters", async () => {
    const before = await agent();
    for (const name of ["kubelet_running_pods", "kubelet_running_containers", "kubelet_pod_start_duration_seconds", "kubelet_runtime_operations_total", "kubelet_runtime_operations_duration_seconds", "kubelet_runtime_operations_errors_total", "kubelet_image_pull_duration_seconds", "kubelet_image_pulls_total", "process_cpu_seconds_total"]) {
      assert.ok(before.has(name), `${name} is exposed`);
    }
    const schedBefore = sampleSum(await master(), "scheduler_schedule_attempts_total", { result: "scheduled", profile: "default-scheduler" });
    await c.kubectlOk(["run", "counted", `--image=${c.registry}/gantry/busybox:1`, "--restart=Never", "--", "sleep", "3600"]);
    await waitFor("counted Running", async () => (await c.kubectl(["get", "pod", "counted", "-o", "jsonpath={.status.phase}"])).stdout === "Running", 90_000);
    const after = await waitFor("the start counted", async () => {
      const a = await agent();
      return sampleSum(a, "kubelet_pod_start_duration_seconds_count") > sampleSum(before, "kubelet_pod_start_duration_seconds_count") ? a : undefined;
    }, 20_000);
    const delta = (name: string, labels: Record<string, string> = {}) => sampleSum(after, name, labels) - sampleSum(before, name, labels);
    assert.equal(delta("kubelet_pod_start_duration_seconds_count"), 1);
    assert.ok(sampleSum(after, "kubelet_running_pods") >= 1);
    assert.ok(sampleSum(after, "kubelet_running_containers", { container_state: "running" }) >= 1);
    for (const op of ["run_podsandbox", "create_container", "start_container", "image_status"]) assert.ok(delta("kubelet_runtime_operations_total", { operation_type: op }) >= 1, op);
    assert.ok(delta("kubelet_runtime_operations_duration_seconds_count", { operation_type: "create_container" }) >= 1);
    assert.equal(delta("kubelet_image_pulls_total", { result: "success" }), 1, "the first pod on the node pulled its image");
    assert.equal(delta("kubelet_image_pull_duration_seconds_count"), 1);
    assert.ok(sampleSum(await master(), "scheduler_schedule_attempts_total", { result: "scheduled", profile: "default-scheduler" }) > schedBefore);
  });

  test("both go through authorization: anonymous users 401, a node's own certificate 403, refusals counted", async () => {
    const url = (p: string) => `https://${c.masterHost.address}:${API_PORT}${p}`;
    const anonymousCode = async (p: string) => (await c.client.exec("curl", ["-sk", "-o", "/dev/null", "-w", "%{http_code}", url(p)])).stdout;
    const refused = { verb: "GET", group: "", version: "", resource: "", subresource: "", code: "401" };
    const before = await master();
    assert.equal(await anonymousCode("/metrics"), "401");
    assert.equal(await anonymousCode(`/api/v1/nodes/${NODE}/proxy/metrics`), "401");
    assert.equal(await anonymousCode("/healthz"), "200", "the health paths stay public");
    assert.equal(sampleSum(await master(), "apiserver_request_total", refused) - sampleSum(before, "apiserver_request_total", refused), 2);

    const agent = c.agent(NODE);
    const asNode = (args: string[]) => c.client.exec("kubectl", ["--kubeconfig", agent.kubeconfig, "--cache-dir", path.join(agent.dataDir, "..", "kc"), ...args]);
    const own = await asNode(["get", "--raw", "/metrics"]);
    assert.notEqual(own.code, 0);
    assert.match(own.stderr, /forbidden: User "system:node:node-a" cannot get path "\/metrics"/);
    const proxied = await asNode(["get", "--raw", `/api/v1/nodes/${NODE}/proxy/metrics`]);
    assert.match(proxied.stderr, /nodes "node-a" is forbidden: User "system:node:node-a" cannot get resource "nodes\/proxy" in API group "" at the cluster scope/);
  });

  test("nodes/proxy serves the agent's /metrics only; unknown nodes and paths are 404s", async () => {
    const other = await c.kubectl(["get", "--raw", `/api/v1/nodes/${NODE}/proxy/stats/summary`]);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /serves only \/metrics through nodes\/proxy, not \/stats\/summary/);
    const missing = await c.kubectl(["get", "--raw", "/api/v1/nodes/no-such-node/proxy/metrics"]);
    assert.match(missing.stderr, /nodes "no-such-node" not found/);
    const proxied = { verb: "CONNECT", resource: "nodes", subresource: "proxy", code: "200" };
    assert.ok(sampleSum(await master(), "apiserver_request_total", proxied) >= 1);
  });
});
