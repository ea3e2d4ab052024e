// The master side of the agent contract, end to end: a real `gantry master` (etcd, apiserver,
// dispatcher), the real kubectl, and a scripted agent that speaks proto/agent.proto over real
// gRPC on 127.0.0.1. The scripted agent "runs" pods by reporting them Running, and serves exec
// by running the command as a local process — enough to check everything the master does
// without runc: registration, pod CIDRs, the session (full set, deltas, reconnect), batched
// status, graceful deletion, events, leases, Secrets only where used, logs and exec through
// kubectl. test/dispatch-agent.test.ts repeats the user-facing part against the real agent.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServerDuplexStream,
  type ServerWritableStream,
  type sendUnaryData,
} from "@grpc/grpc-js";
import WebSocket from "ws";
import {
  AgentMessage,
  AgentService,
  ContainerStateTerminated,
  NodeStatus,
  PodPhase,
  PodStatus,
  type AgentServer,
  type ContainerState,
  type DesiredPod,
  type DesiredPods,
  type ExecInput,
  type ExecOutput,
  type LogChunk,
  type LogsRequest,
  type MasterMessage,
  type NodeConfig,
  type PortForwardData,
  type SessionOpen,
  type VolumeData,
} from "../proto/gen/agent";
import { ApiClient as NodeApiClient } from "../agent/api-client";
import { registerNode } from "../agent/registration";
import { startMaster, type MasterHandle } from "./helpers/master-process";
import { Kubectl } from "./helpers/kubectl";
import { ApiClient } from "./helpers/api-client";
import { waitFor } from "./helpers/wait";
import { joinNode, type JoinedNode } from "./helpers/join";
import { scriptedAgentCredentials } from "./helpers/scripted-agent-tls";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));


interface PodJson {
  metadata: { uid: string; name: string; namespace: string; deletionTimestamp?: string };
  spec: { containers: { name: string }[] };
}

/** A scripted agent: keeps a desired set, reports pods Running, serves Logs and Exec. */
class ScriptedAgent {
  private server?: Server;
  port = 0;
  readonly opens: SessionOpen[] = [];
  readonly desiredMessages: DesiredPods[] = [];
  readonly nodeConfigs: NodeConfig[] = [];
  readonly desired = new Map<string, DesiredPod>();
  readonly volumeData = new Map<string, VolumeData>();
  readonly removedUids: string[] = [];
  private session?: ServerDuplexStream<MasterMessage, AgentMessage>;

  constructor(readonly nodeName: string) {}

  /** TLS credentials to serve with (scriptedAgentCredentials): the master dials agents over mutual TLS. */
  credentials: ServerCredentials = ServerCredentials.createInsecure();

  async start(port = 0): Promise<void> {
    const server = new Server();
    const unimplemented = (_call: unknown, cb: sendUnaryData<never>) => cb({ code: GrpcStatus.UNIMPLEMENTED, details: "not scripted" }, null);
    const impl: AgentServer = {
      session: (call) => this.onSession(call),
      setDesiredPods: unimplemented,
      listPodStatus: unimplemented,
      getNodeStatus: unimplemented,
      getMetrics: unimplemented,
      logs: (call) => this.onLogs(call),
      exec: (call) => this.onExec(call),
      attach: (call) => call.destroy(Object.assign(new Error("not scripted"), { code: GrpcStatus.UNIMPLEMENTED })),
      portForward: (call) => this.onPortForward(call),
      pullImage: (call: ServerWritableStream<unknown, unknown>) => call.destroy(Object.assign(new Error("not scripted"), { code: GrpcStatus.UNIMPLEMENTED })),
    };
    server.addService(AgentService, impl);
    this.port = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, this.credentials, (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
  }

  /** Like a crash: every stream ends at once. */
  kill(): void {
    this.session = undefined;
    this.server?.forceShutdown();
    this.server = undefined;
  }

  get volumeNames(): string[] {
    return [...this.volumeData.values()].map((v) => `${v.namespace}/${v.name}`).sort();
  }

  private send(msg: AgentMessage["msg"]): void {
    this.session?.write(AgentMessage.fromPartial({ msg }));
  }

  private statusOf(p: DesiredPod): PodStatus {
    const pod = JSON.parse(p.podJson) as PodJson;
    const stopping = pod.metadata.deletionTimestamp !== undefined;
    const state: ContainerState = stopping
      ? { state: { $case: "terminated", terminated: ContainerStateTerminated.fromPartial({ exitCode: 0, reason: "Completed", finishedAt: "2025-01-01T00:00:09Z" }) } }
      : { state: { $case: "running", running: { startedAt: "2025-01-01T00:00:01Z" } } };
    return PodStatus.fromPartial({
      uid: p.uid,
      namespace: p.namespace,
      name: p.name,
      phase: PodPhase.POD_PHASE_RUNNING,
      podIp: "10.244.0.7",
      podIps: ["10.244.0.7"],
      hostIp: "127.0.0.1",
      startTime: "2025-01-01T00:00:00Z",
      ready: !stopping,
      conditions: [{ type: "Ready", status: stopping ? "False" : "True", lastTransitionTime: "2025-01-01T00:00:01Z" }],
      containerStatuses: pod.spec.containers.map((c) => ({
        name: c.name,
        ready: !stopping,
        image: "busybox",
        imageId: "sha256:0",
        containerId: `gantry://${p.uid}-${c.name}`,
        state,
      })),
      containersStopped: stopping,
      observedResourceVersion: p.resourceVersion,
    });
  }

  private onSession(call: ServerDuplexStream<MasterMessage, AgentMessage>): void {
    let heartbeat: NodeJS.Timeout | undefined;
    call.on("data", (m: MasterMessage) => {
      const msg = m.msg;
      if (msg?.$case === "open") {
        this.opens.push(msg.open);
        if (msg.open.nodeName !== this.nodeName) {
          call.destroy(Object.assign(new Error(`this is node ${this.nodeName}`), { code: GrpcStatus.FAILED_PRECONDITION }));
          return;
        }
        this.session = call;
        this.send({ $case: "hello", hello: { nodeName: this.nodeName, agentInstanceId: "scripted", agentVersion: "v0-test" } });
        this.send({
          $case: "nodeStatus",
          nodeStatus: NodeStatus.fromPartial({
            capacity: { cpu: "2", memory: "4Gi", pods: "110" },
            allocatable: { cpu: "1900m", memory: "3Gi", pods: "110" },
            conditions: [{ type: "Ready", status: "True", reason: "AgentReady", message: "scripted agent is ready" }],
            nodeInfo: { agentVersion: "v0-test", osImage: "scripted", kernelVersion: "6.0", operatingSystem: "linux", architecture: "amd64", containerRuntimeVersion: "runc://test" },
          }),
        });
        this.send({ $case: "podStatus", podStatus: { full: true, pods: [...this.desired.values()].map((p) => this.statusOf(p)), removed: [] } });
        heartbeat = setInterval(() => this.send({ $case: "heartbeat", heartbeat: { sequence: 1, sentAt: new Date().toISOString() } }), 1000);
      } else if (msg?.$case === "nodeConfig") {
        this.nodeConfigs.push(msg.nodeConfig);
      } else if (msg?.$case === "desiredPods") {
        this.applyDesired(msg.desiredPods);
      }
    });
    const end = () => {
      clearInterval(heartbeat);
      if (this.session === call) this.session = undefined;
    };
    call.on("end", () => {
      end();
      call.end();
    });
    call.on("error", end);
    call.on("cancelled", end);
  }

  private applyDesired(d: DesiredPods): void {
    this.desiredMessages.push(d);
    if (d.full) {
      this.desired.clear();
      this.volumeData.clear();
    }
    const changed: PodStatus[] = [];
    for (const p of d.upsert) {
      this.desired.set(p.uid, p);
      changed.push(this.statusOf(p));
      const pod = JSON.parse(p.podJson) as PodJson;
      if (!pod.metadata.deletionTimestamp) {
        this.send({ $case: "event", event: { seriesId: `started-${p.uid}`, type: 1, reason: "Started", message: `Started container ${pod.spec.containers[0].name}`, podUid: p.uid, podNamespace: p.namespace, podName: p.name, containerName: pod.spec.containers[0].name, count: 1, firstTimestamp: "", lastTimestamp: "" } });
      }
    }
    for (const v of d.volumeData) this.volumeData.set(`${v.kind}/${v.namespace}/${v.name}`, v);
    for (const uid of d.remove) {
      this.desired.delete(uid);
      this.removedUids.push(uid);
    }
    this.send({ $case: "desiredPodsAck", desiredPodsAck: { generation: d.generation } });
    if (changed.length > 0 || d.remove.length > 0) this.send({ $case: "podStatus", podStatus: { full: false, pods: changed, removed: d.remove } });
  }

  private onLogs(call: ServerWritableStream<LogsRequest, LogChunk>): void {
    const req = call.request;
    const p = this.desired.get(req.pod?.uid ?? "");
    const pod = p ? (JSON.parse(p.podJson) as PodJson) : undefined;
    if (!pod || !pod.spec.containers.some((c) => c.name === req.container)) {
      call.destroy(Object.assign(new Error(`container "${req.container}" in pod "${req.pod?.name}" is not known`), { code: GrpcStatus.NOT_FOUND }));
      return;
    }
    const lines = [`line 1 of ${req.container}`, `line 2 of ${req.container}`];
    const shown = req.tailLines !== undefined ? lines.slice(Math.max(0, lines.length - req.tailLines)) : lines;
    if (shown.length > 0) call.write({ data: Buffer.from(shown.map((l) => `${l}\n`).join("")) });
    if (!req.follow) {
      call.end();
      return;
    }
    let n = 0;
    const timer = setInterval(() => call.write({ data: Buffer.from(`tick ${++n}\n`) }), 200);
    call.on("cancelled", () => clearInterval(timer));
  }

  /** "The pod's network namespace" is this host: the port is dialled on 127.0.0.1. */
  private onPortForward(call: ServerDuplexStream<PortForwardData, PortForwardData>): void {
    let socket: net.Socket | undefined;
    call.on("data", (m: PortForwardData) => {
      if (!socket) {
        if (!this.desired.has(m.pod?.uid ?? "")) {
          call.destroy(Object.assign(new Error("no such pod here"), { code: GrpcStatus.NOT_FOUND }));
          return;
        }
        socket = net.connect(m.port, "127.0.0.1");
        socket.on("data", (d) => call.write({ data: d, port: 0, close: false, error: "" }));
        socket.on("error", (err) => {
          call.write({ data: Buffer.alloc(0), port: 0, close: true, error: err.message });
          call.end();
        });
        socket.on("end", () => call.end());
      }
      if (m.data.length > 0) socket.write(m.data);
      if (m.close) socket.end();
    });
    call.on("cancelled", () => socket?.destroy());
  }

  private onExec(call: ServerDuplexStream<ExecInput, ExecOutput>): void {
    let child: ChildProcess | undefined;
    call.on("data", (input: ExecInput) => {
      const i = input.input;
      if (i?.$case === "start") {
        if (!this.desired.has(i.start.pod?.uid ?? "")) {
          call.destroy(Object.assign(new Error("no such pod here"), { code: GrpcStatus.NOT_FOUND }));
          return;
        }
        const [cmd, ...args] = i.start.command;
        child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
        child.stdout!.on("data", (d: Buffer) => call.write({ output: { $case: "stdout", stdout: d } }));
        child.stderr!.on("data", (d: Buffer) => call.write({ output: { $case: "stderr", stderr: d } }));
        child.on("error", (err) => {
          call.write({ output: { $case: "exit", exit: { code: 127, reason: "StartError", message: err.message } } });
          call.end();
        });
        child.on("close", (code) => {
          call.write({ output: { $case: "exit", exit: { code: code ?? 1, reason: code ? "NonZeroExitCode" : "", message: "" } } });
          call.end();
        });
      } else if (i?.$case === "stdin") child?.stdin?.write(i.stdin);
      else if (i?.$case === "closeStdin") child?.stdin?.end();
    });
    call.on("cancelled", () => child?.kill());
  }
}

let master: MasterHandle;
let kubectl: Kubectl;
let api: ApiClient;
let caPem: string;
const identities = new Map<string, JoinedNode>();
const n1 = new ScriptedAgent("node-a");
const n2 = new ScriptedAgent("node-b");

/** Registers `agent` with its node's own certificate (TLS-bootstrapped in before()). */
function register(agent: ScriptedAgent) {
  return registerNode({
    api: identities.get(agent.nodeName)!.identity.api,
    nodeName: agent.nodeName,
    addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
    port: agent.port,
    capacity: { cpu: "2", memory: "4Gi", pods: "110" },
    allocatable: { cpu: "2", memory: "4Gi", pods: "110" },
    nodeInfo: { kubeletVersion: "v0-test", osImage: "scripted" },
    labels: { "gantry.test/role": "scripted" },
  });
}

async function getJson<T = Record<string, unknown>>(p: string): Promise<T | undefined> {
  const r = await api.request("GET", p);
  return r.status === 200 ? r.json<T>() : undefined;
}

/**
 * A pod placed on a node at creation (spec.nodeName), as DaemonSet pods are. (The pods/binding
 * subresource would be the scheduler's way, but the apiserver's binding currently fails pod
 * update validation — "pod updates may not change fields other than ..." — so it is not used.)
 */
function podManifest(name: string, node: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { nodeName: node, containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"] }], ...extra },
  });
}

before(async () => {
  master = await startMaster();
  kubectl = new Kubectl(master.kubeconfig);
  api = new ApiClient(master.kubeconfig);
  caPem = readFileSync(path.join(master.dataDir, "pki", "ca.crt"), "utf8");
  for (const name of ["node-a", "node-b"]) identities.set(name, await joinNode(master.kubeconfig, name));
  n1.credentials = await scriptedAgentCredentials(master.dataDir, "node-a");
  n2.credentials = await scriptedAgentCredentials(master.dataDir, "node-b");
  await n1.start();
  await n2.start();
});

after(async () => {
  n1.kill();
  n2.kill();
  api?.close();
  kubectl?.cleanup();
  await master?.stop();
  for (const j of identities.values()) await j.cleanup();
});

describe("dispatch: the master side of the agent contract", () => {
  test("nodes register with their own certificates; a token or another node's certificate is refused", async () => {
    const asToken = new NodeApiClient({ server: master.server, caPem, credentials: () => ({ token: "abcdef.0123456789abcdef" }) });
    const node = { nodeName: "x", addresses: [{ type: "InternalIP" as const, address: "127.0.0.1" }], port: 1, capacity: {}, allocatable: {}, nodeInfo: {} };
    await assert.rejects(registerNode({ ...node, api: asToken }), /401.*gantry join/);
    await assert.rejects(registerNode({ ...node, api: identities.get("node-a")!.identity.api }), /403 nodes "x" is forbidden: User "system:node:node-a" cannot get resource "nodes"/);
    assert.equal(existsSync(path.join(master.dataDir, "agent.token")), false, "no shared agent token");
  });

  test("registered nodes show Ready, get a pod CIDR, a session and a Lease", async () => {
    const node = await register(n1);
    assert.equal(node.metadata.labels?.["kubernetes.io/hostname"], "node-a");
    assert.equal(node.metadata.labels?.["kubernetes.io/os"], "linux");
    assert.ok(node.metadata.labels?.["kubernetes.io/arch"]);
    await register(n2);
    // Registering again refreshes rather than fails.
    await register(n1);

    const out = await kubectl.ok(["get", "nodes"]);
    assert.match(out, /node-a\s+Ready/);
    assert.match(out, /node-b\s+Ready/);

    const open = await waitFor("a SessionOpen at node-a", () => n1.opens[0]);
    assert.equal(open.nodeName, "node-a");
    assert.ok(open.leaderEpoch >= 1);
    assert.ok(open.heartbeatIntervalSeconds > 0);
    const cidrs = await waitFor("pod CIDRs on both nodes", async () => {
      const a = await getJson<{ spec: { podCIDR?: string } }>("/api/v1/nodes/node-a");
      const b = await getJson<{ spec: { podCIDR?: string } }>("/api/v1/nodes/node-b");
      return a?.spec.podCIDR && b?.spec.podCIDR ? [a.spec.podCIDR, b.spec.podCIDR] : undefined;
    });
    assert.notEqual(cidrs[0], cidrs[1]);
    for (const c of cidrs) assert.match(c, /^10\.244\.\d+\.0\/24$/);
    // NodeConfig carries the node's own range and a route to the other node.
    const config = await waitFor("a NodeConfig with a route to node-b", () => n1.nodeConfigs.findLast((c) => c.podCidrs.length > 0 && c.routes.length > 0));
    assert.deepEqual(config.podCidrs, [cidrs[0]]);
    assert.deepEqual(config.routes, [{ nodeName: "node-b", nodeIp: "127.0.0.1", podCidrs: [cidrs[1]] }]);

    // The agent's NodeStatus reached the Node; the heartbeat renewed the Lease.
    const info = await waitFor("nodeInfo from the session", async () => {
      const n = await getJson<{ status: { nodeInfo: Record<string, string>; allocatable: Record<string, string> } }>("/api/v1/nodes/node-a");
      return n?.status.nodeInfo.containerRuntimeVersion === "runc://test" ? n.status : undefined;
    });
    assert.equal(info.allocatable.cpu, "1900m");
    const lease = await waitFor("the node-a Lease", () => getJson<{ spec: { holderIdentity: string; renewTime: string } }>("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-a"));
    assert.equal(lease.spec.holderIdentity, "node-a");
  });

  test("a pod on a node reaches it with its data, and runs; Secrets go only where used", async () => {
    await kubectl.ok(["create", "configmap", "web-config", "--from-literal=greeting=hello"]);
    await kubectl.ok(["create", "secret", "generic", "web-secret", "--from-literal=password=s3cret"]);
    await kubectl.ok(["create", "-f", "-"], {
      stdin: podManifest("web", "node-a", {
        containers: [{ name: "main", image: "busybox", command: ["sleep", "3600"], env: [{ name: "PW", valueFrom: { secretKeyRef: { name: "web-secret", key: "password" } } }] }],
        volumes: [{ name: "cfg", configMap: { name: "web-config" } }],
      }),
    });
    const sent = await waitFor("web in node-a's desired set", () => [...n1.desired.values()].find((p) => p.name === "web"));
    const pod = JSON.parse(sent.podJson) as PodJson & { spec: { nodeName: string; volumes: { name: string }[] } };
    assert.equal(pod.spec.nodeName, "node-a");
    assert.equal(pod.metadata.uid, sent.uid);
    // kube-root-ca.crt: the ca.crt of the service-account token volume admission added.
    assert.deepEqual(n1.volumeNames, ["default/kube-root-ca.crt", "default/web-config", "default/web-secret"]);
    assert.match(pod.spec.volumes.map((v) => v.name).join(" "), /^cfg kube-api-access-[a-z0-9]{5}$/);
    assert.match([...n1.volumeData.values()].find((v) => v.name === "kube-root-ca.crt")!.data["ca.crt"].toString(), /^-----BEGIN CERTIFICATE-----/);
    assert.equal([...n1.volumeData.values()].find((v) => v.name === "web-secret")!.data.password.toString(), "s3cret");
    assert.equal([...n1.volumeData.values()].find((v) => v.name === "web-config")!.data.greeting.toString(), "hello");
    assert.deepEqual(n2.volumeNames, [], "node-b runs no pod that reads them");
    assert.equal(n2.desired.size, 0);

    const out = await waitFor("web Running in kubectl", async () => {
      const o = await kubectl.ok(["get", "pods", "web"]);
      return /web\s+1\/1\s+Running/.test(o) ? o : undefined;
    });
    assert.match(out, /Running/);
    const status = (await getJson<{ status: { podIP: string; hostIP: string; conditions: { type: string }[] } }>("/api/v1/namespaces/default/pods/web"))!.status;
    assert.equal(status.podIP, "10.244.0.7");
    assert.ok(status.conditions.some((c) => c.type === "Ready"));

    // A changed ConfigMap is sent again; the pod itself is not.
    const before = n1.desiredMessages.length;
    await kubectl.ok(["patch", "configmap", "web-config", "--type=merge", "-p", '{"data":{"greeting":"hi again"}}']);
    await waitFor("the new ConfigMap data", () => n1.volumeData.get(`1/default/web-config`)?.data.greeting.toString() === "hi again");
    const later = n1.desiredMessages.slice(before);
    assert.ok(later.every((m) => !m.full && m.upsert.length === 0), "only volume data moved");
  });

  test("agent events become Events from the kubelet on that host", async () => {
    const ev = await waitFor("the Started event", async () => {
      const list = await getJson<{ items: { reason: string; source: { component: string; host: string }; involvedObject: { name: string; fieldPath?: string } }[] }>("/api/v1/namespaces/default/events");
      return list?.items.find((e) => e.reason === "Started" && e.involvedObject.name === "web");
    });
    assert.deepEqual(ev.source, { component: "kubelet", host: "node-a" });
    assert.equal(ev.involvedObject.fieldPath, "spec.containers{main}");
  });

  test("kubectl logs, --tail and -f stream from the agent", async () => {
    assert.equal(await kubectl.ok(["logs", "web"]), "line 1 of main\nline 2 of main\n");
    assert.equal(await kubectl.ok(["logs", "web", "--tail=1"]), "line 2 of main\n");
    const follow = kubectl.spawn(["logs", "-f", "web"]);
    let text = "";
    follow.stdout!.on("data", (d) => (text += d));
    try {
      await waitFor("followed lines", () => text.includes("tick 2"), 10_000);
    } finally {
      follow.kill();
    }
    assert.ok(text.startsWith("line 1 of main\nline 2 of main\n"));
    const bad = await kubectl.run(["logs", "web", "-c", "nope"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /container nope is not valid for pod web/);
  });

  test("pods/log asks for a container name when there are several", async () => {
    await kubectl.ok(["create", "-f", "-"], { stdin: podManifest("duo", "node-b", { containers: [{ name: "a", image: "busybox" }, { name: "b", image: "busybox" }] }) });
    const r = await api.request("GET", "/api/v1/namespaces/default/pods/duo/log");
    assert.equal(r.status, 400);
    assert.equal(r.json<{ message: string }>().message, "a container name must be specified for pod duo, choose one of: [a b]");
    await waitFor("duo on node-b", () => [...n2.desired.values()].some((p) => p.name === "duo"));
    const ok = await api.request("GET", "/api/v1/namespaces/default/pods/duo/log?container=b");
    assert.equal(ok.status, 200);
    assert.equal(ok.headers["content-type"], "text/plain");
    assert.equal(ok.body, "line 1 of b\nline 2 of b\n");
  });

  test("kubectl exec: output, exit codes, stdin", async () => {
    assert.equal(await kubectl.ok(["exec", "web", "--", "echo", "hi"]), "hi\n");
    const failed = await kubectl.run(["exec", "web", "--", "sh", "-c", "echo oops >&2; exit 3"]);
    assert.equal(failed.code, 3, failed.stderr);
    assert.match(failed.stderr, /oops/);
    assert.equal(await kubectl.ok(["exec", "-i", "web", "--", "cat"], { stdin: "from stdin\n" }), "from stdin\n");
    const missing = await kubectl.run(["exec", "web", "--", "/no/such/binary"]);
    assert.equal(missing.code, 127, missing.stderr);
  });

  for (const transport of ["WebSocket tunnel", "SPDY upgrade"] as const) {
    test(`kubectl port-forward (${transport}) reaches the pod's port, one agent stream per connection`, async () => {
      // The "container" port: an echo server that says which connection it is.
      let accepted = 0;
      const echo = net.createServer((c) => {
        const n = ++accepted;
        c.on("data", (d) => c.write(`${n}:${d.toString()}`));
      });
      await new Promise<void>((r) => echo.listen(0, "127.0.0.1", () => r()));
      const port = (echo.address() as net.AddressInfo).port;
      // kubectl 1.32 tunnels SPDY through WebSocket unless told not to.
      const k = new Kubectl(master.kubeconfig, transport === "SPDY upgrade" ? { KUBECTL_PORT_FORWARD_WEBSOCKETS: "false" } : {});
      const pf = k.spawn(["port-forward", "pod/web", `:${port}`, "-v=6"]);
      let out = "";
      pf.stdout!.on("data", (d) => (out += d));
      pf.stderr!.on("data", (d) => (out += d));
      const roundTrip = (local: number, text: string) =>
        new Promise<string>((resolve, reject) => {
          const c = net.connect(local, "127.0.0.1", () => c.write(text));
          c.once("data", (d) => {
            resolve(d.toString());
            c.end();
          });
          c.on("error", reject);
        });
      try {
        const local = Number(await waitFor("the forwarding line", () => new RegExp(`Forwarding from 127\\.0\\.0\\.1:(\\d+) -> ${port}`).exec(out)?.[1], 20_000));
        assert.equal(await roundTrip(local, "ping"), "1:ping");
        // Two connections at once: two streams, each answered on its own.
        const [a, b] = await Promise.all([roundTrip(local, "x"), roundTrip(local, "y")]);
        assert.match(a, /^[23]:x$/);
        assert.match(b, /^[23]:y$/);
        assert.notEqual(a[0], b[0]);
      } finally {
        pf.kill();
        echo.close();
        k.cleanup();
      }
      assert.equal(accepted, 3, out);
      // -v=6 shows the upgrade: a WebSocket GET answered 101, or kubectl's POST for SPDY.
      if (transport === "WebSocket tunnel") assert.match(out, /GET https:\S+\/portforward 101 Switching Protocols/);
      else assert.match(out, /POST https:\S+\/portforward 101 Switching Protocols/);
      assert.doesNotMatch(out, /fallback to secondary dialer/);
    });
  }

  test("exec upgrades need credentials", async () => {
    const url = `wss://127.0.0.1:${master.port}/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true`;
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(url, ["v5.channel.k8s.io"], { ca: caPem });
      ws.on("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on("open", () => reject(new Error("opened without credentials")));
      ws.on("error", () => {});
    });
    assert.equal(status, 401);
  });

  test("a reconnect re-sends the full set and duplicates nothing", async () => {
    const port = n1.port;
    const sessions = n1.opens.length;
    const uid = [...n1.desired.values()].find((p) => p.name === "web")!.uid;
    const messages = n1.desiredMessages.length;
    n1.kill();
    await wait(300);
    await n1.start(port);
    await waitFor("a new session", () => n1.opens.length > sessions, 30_000);
    const full = await waitFor("the full set after reconnect", () => n1.desiredMessages.slice(messages).find((m) => m.full));
    assert.deepEqual(full.upsert.map((p) => p.uid), [uid]);
    assert.deepEqual(full.volumeData.map((v) => v.name).sort(), ["kube-root-ca.crt", "web-config", "web-secret"]);
    assert.ok(n1.desiredMessages.slice(messages).every((m) => !m.remove.includes(uid)));
    // Still exactly one pod, still Running.
    assert.match(await kubectl.ok(["get", "pods", "web"]), /Running/);
  });

  test("kubectl delete: the agent stops the pod, the master finishes the delete and removes it", async () => {
    const uid = [...n1.desired.values()].find((p) => p.name === "web")!.uid;
    const started = Date.now();
    await kubectl.ok(["delete", "pod", "web", "--timeout=30s"]);
    assert.ok(Date.now() - started < 20_000, "finished long before the 30 s grace period");
    assert.equal((await api.request("GET", "/api/v1/namespaces/default/pods/web")).status, 404);
    await waitFor("remove sent to node-a", () => n1.removedUids.includes(uid));
    assert.equal(n1.desired.size, 0);
    const upserts = n1.desiredMessages.flatMap((m) => m.upsert).filter((p) => p.uid === uid);
    assert.ok(upserts.some((p) => (JSON.parse(p.podJson) as PodJson).metadata.deletionTimestamp), "the graceful delete travelled as an upsert first");
  });

  test("exec into a pod on an unreachable node says so", async () => {
    n2.kill();
    const r = await kubectl.run(["exec", "duo", "-c", "a", "--", "true"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /node-b|unreachable|UNAVAILABLE|connect/i);
  });
});
