// Node registration: the agent creates (or refreshes) its Node object through the Kubernetes
// API, the way a kubelet registers. It publishes where its gRPC server listens
// (status.addresses InternalIP/Hostname, status.daemonEndpoints.kubeletEndpoint.Port), what it
// offers (capacity, allocatable, nodeInfo), the standard node labels, and Ready=True. From then
// on the master's dispatcher dials that address and keeps the status fresh from the session.
//
// Trust: the API's serving certificate is checked against the cluster CA (`caPem`, e.g. from
// `--master-ca`, the master's <data-dir>/pki/ca.crt). Without it the agent refuses to connect
// unless told to skip verification (`insecureSkipTlsVerify`), because the bearer token would
// otherwise go to whoever answers. This file talks HTTPS only; it imports nothing of master/.

import https from "node:https";
import { readFile } from "node:fs/promises";

export interface NodeAddress {
  type: "InternalIP" | "ExternalIP" | "Hostname" | "InternalDNS" | "ExternalDNS";
  address: string;
}

/** Kubernetes' NodeSystemInfo (status.nodeInfo); fields not given are left empty. */
export interface NodeSystemInfo {
  machineID?: string;
  systemUUID?: string;
  bootID?: string;
  kernelVersion?: string;
  osImage?: string;
  containerRuntimeVersion?: string;
  kubeletVersion?: string;
  kubeProxyVersion?: string;
  operatingSystem?: string;
  architecture?: string;
}

export interface RegisterNodeOptions {
  /** The API server, e.g. https://10.0.0.1:6443. */
  masterUrl: string;
  /** Bearer token, e.g. the master's <data-dir>/agent.token. */
  token: string;
  /** PEM of the cluster CA that signed the API's serving certificate. */
  caPem?: string;
  /** Skip certificate verification; only when the operator asked for it. */
  insecureSkipTlsVerify?: boolean;
  nodeName: string;
  /** At least an InternalIP: the address masters dial. A Hostname entry is added if missing. */
  addresses: NodeAddress[];
  /** The agent's gRPC port. */
  port: number;
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  nodeInfo: NodeSystemInfo;
  /** Extra labels; the kubernetes.io/{hostname,os,arch} labels are always set. */
  labels?: Record<string, string>;
  /** Keep retrying failed attempts (master not up yet) for this long. Default 0: one attempt. */
  retryForMs?: number;
  clock?: () => Date;
}

export interface NodeObject {
  apiVersion: "v1";
  kind: "Node";
  metadata: { name: string; uid?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export class RegistrationError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = "RegistrationError";
  }
}

/** Reads a `--master-ca` file. */
export async function readMasterCa(file: string): Promise<string> {
  const pem = await readFile(file, "utf8");
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new RegistrationError(`${file} holds no PEM certificate; pass the cluster CA (the master's <data-dir>/pki/ca.crt)`);
  return pem;
}

/** The labels every node carries. */
export function nodeLabels(nodeName: string, extra: Record<string, string> = {}, arch = process.arch): Record<string, string> {
  return {
    ...extra,
    "kubernetes.io/hostname": nodeName,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": goArch(arch),
  };
}

/** The status registration writes: addresses, endpoint, resources, info and fresh conditions. */
export function registrationStatus(o: RegisterNodeOptions, now: string): Record<string, unknown> {
  const addresses = [...o.addresses];
  if (!addresses.some((a) => a.type === "Hostname")) addresses.push({ type: "Hostname", address: o.nodeName });
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
  return {
    addresses,
    daemonEndpoints: { kubeletEndpoint: { Port: o.port } },
    capacity: { ...o.capacity },
    allocatable: { ...o.allocatable },
    nodeInfo: {
      machineID: "",
      systemUUID: "",
      bootID: "",
      kernelVersion: "",
      osImage: "",
      containerRuntimeVersion: "",
      kubeletVersion: "",
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: goArch(process.arch),
      ...o.nodeInfo,
    },
    conditions: [
      condition("MemoryPressure", "False", "AgentHasSufficientMemory", "agent has sufficient memory available"),
      condition("DiskPressure", "False", "AgentHasNoDiskPressure", "agent has no disk pressure"),
      condition("PIDPressure", "False", "AgentHasSufficientPID", "agent has sufficient PID available"),
      condition("Ready", "True", "AgentReady", "agent is posting ready status"),
    ],
  };
}

/** Creates the Node, or refreshes labels and status of an existing one; returns the Node. */
export async function registerNode(o: RegisterNodeOptions): Promise<NodeObject> {
  if (!o.addresses.some((a) => a.type === "InternalIP" && a.address)) {
    throw new RegistrationError(`node ${o.nodeName}: give an InternalIP address; masters dial the agent there`);
  }
  if (!o.caPem && !o.insecureSkipTlsVerify) {
    throw new RegistrationError("no cluster CA to verify the master with: pass --master-ca <the master's pki/ca.crt>, or skip verification explicitly");
  }
  const deadline = Date.now() + (o.retryForMs ?? 0);
  for (let attempt = 0; ; attempt++) {
    try {
      return await registerOnce(o);
    } catch (err) {
      const permanent = err instanceof RegistrationError && err.statusCode !== undefined && err.statusCode < 500 && err.statusCode !== 429;
      if (permanent || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)));
    }
  }
}

async function registerOnce(o: RegisterNodeOptions): Promise<NodeObject> {
  const api = new ApiCaller(o);
  const now = (o.clock?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z");
  const path = `/api/v1/nodes/${encodeURIComponent(o.nodeName)}`;
  const labels = nodeLabels(o.nodeName, o.labels);
  const status = registrationStatus(o, now);

  const existing = await api.call("GET", path);
  if (existing.status === 404) {
    const created = await api.call("POST", "/api/v1/nodes", { apiVersion: "v1", kind: "Node", metadata: { name: o.nodeName, labels }, spec: {}, status });
    if (created.status === 201 || created.status === 200) return created.body as NodeObject;
    if (created.status !== 409) throw api.failure("create", created);
    // Created by someone else in between (a restarting agent): refresh it below.
  } else if (existing.status !== 200) {
    throw api.failure("read", existing);
  }
  const patched = await api.call("PATCH", path, { metadata: { labels } }, "application/merge-patch+json");
  if (patched.status !== 200) throw api.failure("label", patched);
  const updated = await api.call("PATCH", `${path}/status`, { status }, "application/merge-patch+json");
  if (updated.status !== 200) throw api.failure("update the status of", updated);
  return updated.body as NodeObject;
}

interface Answer {
  status: number;
  body: unknown;
}

class ApiCaller {
  private readonly base: URL;

  constructor(private readonly o: RegisterNodeOptions) {
    this.base = new URL(o.masterUrl);
    if (this.base.protocol !== "https:") throw new RegistrationError(`the master URL must be https:// (got ${o.masterUrl})`);
  }

  call(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: this.base.hostname,
          port: this.base.port || 443,
          path,
          method,
          ca: this.o.caPem,
          rejectUnauthorized: !this.o.insecureSkipTlsVerify,
          timeout: 15_000,
          headers: {
            Authorization: `Bearer ${this.o.token}`,
            Accept: "application/json",
            "User-Agent": "gantry-agent",
            ...(payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text for the error message
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new RegistrationError(`${method} ${this.base.origin}${path} timed out`)));
      req.on("error", (err) => reject(err instanceof RegistrationError ? err : new RegistrationError(`cannot reach the master at ${this.base.origin}: ${err.message}`)));
      req.end(payload);
    });
  }

  failure(what: string, a: Answer): RegistrationError {
    const message = typeof a.body === "object" && a.body && "message" in a.body ? String((a.body as { message: unknown }).message) : String(a.body);
    const hint = a.status === 401 ? " (the token is wrong: use the master's <data-dir>/agent.token)" : "";
    return new RegistrationError(`could not ${what} node ${this.o.nodeName}: ${a.status} ${message}${hint}`, a.status);
  }
}

function goArch(arch: string): string {
  return arch === "x64" ? "amd64" : arch === "ia32" ? "386" : arch;
}
