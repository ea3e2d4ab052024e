// A throwaway HTTP server on 127.0.0.1 that answers just enough of the Kubernetes API for
// kubectl's create, autoscale and drain commands, and records every request body. Used to
// capture testdata/*.bin (capture.ts) and by the live kubectl test. Not an apiserver.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError } from "../../../../api/errors";

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  contentType: string;
  body: Buffer;
}

export interface FakeApiServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Turns a protobuf body into the object echoed back; the server itself parses JSON bodies. */
export type BodyDecoder = (body: Buffer) => Record<string, unknown>;

const GROUPS: [string, string][] = [
  ["apps", "v1"],
  ["batch", "v1"],
  ["autoscaling", "v1"],
  ["policy", "v1"],
];

type ResourceRow = [name: string, kind: string, namespaced: boolean, extra?: Record<string, unknown>];

const RESOURCES: Record<string, ResourceRow[]> = {
  v1: [
    ["namespaces", "Namespace", false],
    ["nodes", "Node", false],
    ["pods", "Pod", true],
    // drain evicts only when the eviction subresource names its group and version.
    ["pods/eviction", "Eviction", true, { group: "policy", version: "v1" }],
    ["services", "Service", true],
    ["configmaps", "ConfigMap", true],
    ["secrets", "Secret", true],
    ["serviceaccounts", "ServiceAccount", true],
  ],
  "apps/v1": [
    ["deployments", "Deployment", true],
    ["deployments/scale", "Scale", true, { group: "autoscaling", version: "v1" }],
    ["replicasets", "ReplicaSet", true],
  ],
  "batch/v1": [
    ["jobs", "Job", true],
    ["cronjobs", "CronJob", true],
  ],
  "autoscaling/v1": [["horizontalpodautoscalers", "HorizontalPodAutoscaler", true]],
  "policy/v1": [["poddisruptionbudgets", "PodDisruptionBudget", true]],
};

/** The deployment `kubectl autoscale deployment web` reads before creating its HPA. */
export const WEB_DEPLOYMENT = {
  kind: "Deployment",
  apiVersion: "apps/v1",
  metadata: { name: "web", namespace: "default", uid: "0d9f6d4e-0000-4000-8000-000000000001", resourceVersion: "1" },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" } },
    template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } },
  },
};

const NODE = { kind: "Node", apiVersion: "v1", metadata: { name: "n1", uid: "0d9f6d4e-0000-4000-8000-000000000002" }, spec: {} };

/** The one pod on node n1, owned by a ReplicaSet so drain is willing to remove it. */
const POD = {
  kind: "Pod",
  apiVersion: "v1",
  metadata: {
    name: "p1",
    namespace: "default",
    uid: "0d9f6d4e-0000-4000-8000-000000000003",
    ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "0d9f6d4e-0000-4000-8000-000000000004", controller: true }],
  },
  spec: { nodeName: "n1", containers: [{ name: "nginx", image: "nginx" }] },
};

export async function startFakeApiServer(decode: BodyDecoder): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  let podGone = false;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers["content-type"] ?? "";
      requests.push({ method: req.method ?? "", url: req.url ?? "", contentType, body });
      const send = (code: number, obj: unknown) => {
        const payload = Buffer.from(JSON.stringify(obj));
        res.writeHead(code, { "Content-Type": "application/json", "Content-Length": payload.length });
        res.end(payload);
      };
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      const method = req.method ?? "GET";
      const notFound = () => send(404, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "NotFound", code: 404 });
      try {
        if (method === "GET" && path === "/api") return send(200, { kind: "APIVersions", versions: ["v1"] });
        if (method === "GET" && path === "/apis") return send(200, groupList());
        const gv = path === "/api/v1" ? "v1" : path.replace(/^\/apis\//, "");
        if (method === "GET" && RESOURCES[gv]) return send(200, resourceList(gv));
        if (method === "GET" && path.endsWith("/deployments/web")) return send(200, WEB_DEPLOYMENT);
        if (path === "/api/v1/nodes/n1") return send(200, method === "PATCH" ? { ...NODE, spec: { unschedulable: true } } : NODE);
        if (method === "GET" && path === "/api/v1/pods") {
          return send(200, { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items: podGone ? [] : [POD] });
        }
        if (path === "/api/v1/namespaces/default/pods/p1") {
          if (method === "DELETE") {
            podGone = true;
            return send(200, POD);
          }
          return podGone ? notFound() : send(200, POD);
        }
        if (method === "POST" && path.endsWith("/eviction")) {
          podGone = true;
          return send(201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
        }
        if (method === "POST") return send(201, created(path, contentType, body, decode));
        return notFound();
      } catch (err) {
        const status = ApiError.from(err);
        return send(status.code, status.toStatus());
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

function created(path: string, contentType: string, body: Buffer, decode: BodyDecoder): Record<string, unknown> {
  const obj = contentType.startsWith("application/json") ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : decode(body);
  const namespace = /\/namespaces\/([^/]+)\/[^/]+$/.exec(path)?.[1];
  const metadata = { ...(obj.metadata as Record<string, unknown>) };
  if (namespace) metadata.namespace = namespace;
  metadata.uid = "0d9f6d4e-0000-4000-8000-0000000000ff";
  metadata.resourceVersion = "2";
  metadata.creationTimestamp = "2025-01-01T00:00:00Z";
  return { ...obj, metadata };
}

function groupList() {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: GROUPS.map(([name, version]) => {
      const v = { groupVersion: `${name}/${version}`, version };
      return { name, versions: [v], preferredVersion: v };
    }),
  };
}

function resourceList(groupVersion: string) {
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: RESOURCES[groupVersion].map(([name, kind, namespaced, extra]) => ({
      name,
      singularName: name.includes("/") ? "" : kind.toLowerCase(),
      namespaced,
      kind,
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      ...extra,
    })),
  };
}
