// The real kubectl (v1.32) against a throwaway loopback server that answers only /version,
// discovery and /openapi/v3 from the code under test (plus one Deployment for `apply`). This is
// what proves the documents are usable: kubectl is the client they exist for.

import { execFile } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { discoveryResponse, type DiscoveryTarget } from "../../../api/discovery/negotiate";
import { buildOpenApiV3 } from "./openapi-v3";
import { openApiV3Answer } from "./respond";

const KUBECTL = "/usr/bin/kubectl";

function kubectlMissing(): string | false {
  try {
    accessSync(KUBECTL, constants.X_OK);
    return false;
  } catch {
    return `${KUBECTL} is not installed`;
  }
}

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  body: string;
}

function discoveryTarget(pathname: string): DiscoveryTarget | undefined {
  const parts = pathname.split("/").filter(Boolean);
  if (parts[0] === "api") {
    if (parts.length === 1) return { type: "discovery-core" };
    if (parts.length === 2) return { type: "discovery-resources", group: "", version: parts[1] };
  }
  if (parts[0] === "apis") {
    if (parts.length === 1) return { type: "discovery-groups" };
    if (parts.length === 2) return { type: "discovery-group", group: parts[1] };
    if (parts.length === 3) return { type: "discovery-resources", group: parts[1], version: parts[2] };
  }
  return undefined;
}

const DEPLOYMENT_PATH = "/apis/apps/v1/namespaces/default/deployments/web";

function deployment(image: string): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image, env: [{ name: "A", value: "1" }], ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

/** A server that knows discovery, OpenAPI and one stored Deployment; `legacyOnly` ignores Accept. */
function startServer(legacyOnly: boolean): Promise<{ server: http.Server; port: number; seen: Seen[] }> {
  const openapi = buildOpenApiV3();
  const seen: Seen[] = [];
  const stored = deployment("nginx:1.27");
  const lastApplied = JSON.stringify(deployment("nginx:1.27"));
  (stored.metadata as Record<string, unknown>).annotations = { "kubectl.kubernetes.io/last-applied-configuration": lastApplied };
  (stored.metadata as Record<string, unknown>).resourceVersion = "7";
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      seen.push({ method: req.method ?? "GET", url: req.url ?? "/", contentType: req.headers["content-type"], body: Buffer.concat(chunks).toString() });
      const send = (status: number, headers: Record<string, string>, body?: Buffer | string) => {
        res.writeHead(status, headers);
        res.end(body);
      };
      const sendJson = (status: number, body: unknown, contentType = "application/json") => send(status, { "Content-Type": contentType }, JSON.stringify(body));
      const notFound = () => sendJson(404, { kind: "Status", apiVersion: "v1", status: "Failure", message: `${url.pathname} not found`, reason: "NotFound", code: 404 });

      if (url.pathname === "/version") return sendJson(200, { major: "1", minor: "32", gitVersion: "v1.32.0" });
      if (url.pathname === "/openapi/v3" || url.pathname.startsWith("/openapi/v3/")) {
        const a = openApiV3Answer(openapi, url, req.headers["if-none-match"], new Date());
        if (a.status === 404) return notFound();
        return send(a.status, a.headers, a.status === 200 ? a.body : undefined);
      }
      if (url.pathname === DEPLOYMENT_PATH) {
        if (req.method === "GET") return sendJson(200, stored);
        if (req.method === "PATCH") return sendJson(200, stored);
      }
      const target = discoveryTarget(url.pathname);
      if (target && req.method === "GET") {
        const d = discoveryResponse(target, legacyOnly ? "application/json" : req.headers.accept);
        if (d) return sendJson(200, d.body, d.contentType);
      }
      notFound();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port, seen }));
  });
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(port: number, dir: string, args: string[]): Promise<Run> {
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, KUBECONFIG: path.join(dir, "no-kubeconfig") };
  return new Promise((resolve) => {
    execFile(KUBECTL, [`--server=http://127.0.0.1:${port}`, `--cache-dir=${path.join(dir, "cache")}`, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

for (const mode of ["aggregated", "legacy"] as const) {
  describe(`kubectl against ${mode} discovery and OpenAPI v3`, { skip: kubectlMissing() }, () => {
    let server: http.Server | undefined;
    let port = 0;
    let seen: Seen[] = [];
    let dir = "";

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), "gantry-kubectl-"));
      ({ server, port, seen } = await startServer(mode === "legacy"));
    });
    after(async () => {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test("api-resources lists the catalogue with short names", async () => {
      const r = await kubectl(port, dir, ["api-resources", "--cached=false"]);
      assert.equal(r.code, 0, r.stderr);
      const rows = r.stdout.split("\n").map((l) => l.trim().split(/\s+/));
      const row = (name: string) => rows.find((cols) => cols[0] === name);
      assert.deepEqual(row("pods"), ["pods", "po", "v1", "true", "Pod"]);
      assert.deepEqual(row("deployments"), ["deployments", "deploy", "apps/v1", "true", "Deployment"]);
      assert.deepEqual(row("nodes"), ["nodes", "no", "v1", "false", "Node"]);
      assert.deepEqual(row("horizontalpodautoscalers"), ["horizontalpodautoscalers", "hpa", "autoscaling/v2", "true", "HorizontalPodAutoscaler"]);
      assert.deepEqual(row("leases"), ["leases", "coordination.k8s.io/v1", "true", "Lease"]);
      const walkedGroupVersions = seen.some((s) => s.url.startsWith("/apis/apps/v1"));
      assert.equal(walkedGroupVersions, mode === "legacy", "legacy discovery walks every group-version; aggregated does not need to");
    });

    test("explain pods shows the Pod schema", async () => {
      const r = await kubectl(port, dir, ["explain", "pods"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /KIND:\s+Pod/);
      assert.match(r.stdout, /VERSION:\s+v1/);
      assert.match(r.stdout, /Pod is a collection of containers that can run on a host/);
      assert.match(r.stdout, /FIELDS:[\s\S]*spec\s+<PodSpec>/);
      assert.match(r.stdout, /metadata\s+<ObjectMeta>/);
    });

    test("explain follows a field path into apps/v1", async () => {
      const r = await kubectl(port, dir, ["explain", "deployment.spec.strategy"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /GROUP:\s+apps/);
      assert.match(r.stdout, /FIELD:\s+strategy <DeploymentStrategy>/);
      assert.match(r.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/);
      assert.match(r.stdout, /type\s+<string>/);
    });

    test("get all resolves the category and lists its members", async () => {
      const before = seen.length;
      const r = await kubectl(port, dir, ["get", "all"]);
      assert.doesNotMatch(r.stderr, /doesn't have a resource type "all"/);
      const lists = seen.slice(before).filter((s) => s.method === "GET").map((s) => new URL(s.url, "http://x").pathname);
      assert.ok(lists.includes("/api/v1/namespaces/default/pods"), `pods not listed; requests: ${lists.join(" ")}`);
      assert.ok(lists.includes("/apis/apps/v1/namespaces/default/deployments"), `deployments not listed; requests: ${lists.join(" ")}`);
      assert.ok(lists.includes("/apis/batch/v1/namespaces/default/cronjobs"), `cronjobs not listed; requests: ${lists.join(" ")}`);
    });

    test("apply computes a strategic merge patch from the served schemas", async () => {
      const file = path.join(dir, "web.yaml");
      writeFileSync(file, JSON.stringify(deployment("nginx:1.28")));
      const before = seen.length;
      const r = await kubectl(port, dir, ["apply", "-f", file]);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /warning/i);
      const mine = seen.slice(before);
      assert.ok(!mine.some((s) => s.url.startsWith("/openapi/v2")), "kubectl fell back to OpenAPI v2: the v3 document was not usable");
      const patch = mine.find((s) => s.method === "PATCH");
      assert.ok(patch, `no PATCH sent; requests: ${mine.map((s) => `${s.method} ${s.url}`).join(" ")}`);
      const q = new URL(patch.url, "http://x").searchParams;
      assert.equal(q.get("fieldValidation"), "Strict");
      assert.equal(patch.contentType, "application/strategic-merge-patch+json");
      const body = JSON.parse(patch.body) as { spec: { template: { spec: Record<string, unknown> } } };
      const podSpec = body.spec.template.spec;
      // Merge key "name" on containers: the patch names the container instead of replacing the list.
      assert.deepEqual(podSpec["$setElementOrder/containers"], [{ name: "web" }]);
      assert.deepEqual(podSpec.containers, [{ image: "nginx:1.28", name: "web" }]);
    });
  });
}
