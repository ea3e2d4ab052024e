// The master leader's Session (proto/agent.proto, proto/README.md): level-triggered, fenced by
// leader epoch.
//
//   master: SessionOpen ─► agent checks node name and epoch ─► AgentHello, NodeStatus,
//           PodStatusUpdate{full}  ─► then DesiredPods (acked), NodeConfig, Heartbeats
//   agent:  status changes and events as they happen (batched by the reporter), NodeStatus
//           sampled every 10 s and sent when it changed (or 5 min passed; usage alone is no
//           change), Heartbeats at the interval the master asked for (they keep the Lease)
//
// An epoch lower than the highest one accepted (persisted with the desired state, so it
// survives restarts) is refused with FAILED_PRECONDITION; a session with a higher or equal
// epoch ends the one open before it with ABORTED. While a session is open, SetDesiredPods is
// refused (server.ts).

import type { ServerDuplexStream } from "@grpc/grpc-js";
import { AgentMessage, type MasterMessage, type NodeConfig, type NodeStatus, type ServiceAccountToken } from "../proto/gen/agent";
import { Code, endWith, rpcError } from "./grpc-status";
import { rfc3339 } from "./pod-worker/messages";
import { reportKey } from "./node/node-status";
import type { PodManager } from "./pod-manager";
import type { StatusBatch, StatusReporter } from "./status/reporter";
import type { ServiceCatalog } from "../netns/services/catalog";
import { desiredFromProto } from "./wire/desired";
import { serviceUpdateFromProto } from "./wire/services";
import { eventToProto, podStatusToProto } from "./wire/status";

export interface SessionHost {
  nodeName: string;
  instanceId: string;
  agentVersion: string;
  pods: PodManager;
  reporter: StatusReporter;
  nodeStatus(): Promise<NodeStatus>;
  setNodeConfig(cfg: NodeConfig): void;
  /** The cluster's Services and endpoints for the proxy, DNS and pod environments. */
  services: ServiceCatalog;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

const NODE_STATUS_EVERY_MS = 10_000;
/** An unchanged NodeStatus is sent again after this long (the kubelet's nodeStatusReportFrequency). */
const NODE_STATUS_REPORT_MS = 5 * 60_000;
/** How long a token request waits for the master's answer. */
const TOKEN_TIMEOUT_MS = 15_000;

export interface TokenRequest {
  podUid: string;
  audience: string;
  expirationSeconds: number;
}

interface PendingToken {
  resolve(t: ServiceAccountToken): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

type Call = ServerDuplexStream<MasterMessage, AgentMessage>;

class OpenSession {
  private unsubscribe: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private nodeTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private closed = false;
  private tokenRequests = 0;
  private lastReport: { key: string; at: number } | undefined;
  private readonly pendingTokens = new Map<number, PendingToken>();

  constructor(
    readonly call: Call,
    readonly epoch: number,
    readonly masterId: string,
    private readonly host: SessionHost,
    private readonly onClose: (s: OpenSession) => void,
  ) {}

  async begin(heartbeatSeconds: number): Promise<void> {
    const h = this.host;
    this.send({ msg: { $case: "hello", hello: { nodeName: h.nodeName, agentInstanceId: h.instanceId, agentVersion: h.agentVersion } } });
    await this.sendNodeStatus();
    if (this.closed) return;
    // Snapshot and subscription in one synchronous step: the reporter only sends batches from
    // a timer, so no change falls between them (a pending one may arrive twice; harmless).
    this.send({ msg: { $case: "podStatus", podStatus: { full: true, pods: h.reporter.snapshot().map(podStatusToProto), removed: [] } } });
    this.unsubscribe = h.reporter.subscribe((b) => this.sendBatch(b));
    const interval = (heartbeatSeconds > 0 ? heartbeatSeconds : 10) * 1000;
    this.heartbeat = setInterval(() => this.send({ msg: { $case: "heartbeat", heartbeat: { sequence: ++this.seq, sentAt: rfc3339(Date.now()) } } }), interval);
    this.nodeTimer = setInterval(() => void this.sendNodeStatus(), NODE_STATUS_EVERY_MS);
  }

  handle(m: MasterMessage): void {
    const msg = m.msg;
    switch (msg?.$case) {
      case "desiredPods": {
        const result = this.host.pods.apply(desiredFromProto(msg.desiredPods));
        for (const r of result.rejected) this.host.log.warn({ uid: r.uid, reason: r.message }, "desired pod rejected");
        this.send({ msg: { $case: "desiredPodsAck", desiredPodsAck: { generation: msg.desiredPods.generation } } });
        return;
      }
      case "nodeConfig":
        this.host.setNodeConfig(msg.nodeConfig);
        return;
      case "services":
        this.host.services.apply(serviceUpdateFromProto(msg.services));
        return;
      case "token": {
        const pending = this.pendingTokens.get(msg.token.requestId);
        if (!pending) return; // answered after it timed out
        this.pendingTokens.delete(msg.token.requestId);
        clearTimeout(pending.timer);
        pending.resolve(msg.token);
        return;
      }
      case "heartbeat":
        return;
      case "open":
        this.end(rpcError(Code.INVALID_ARGUMENT, "SessionOpen may only be the first message of a session"));
        return;
      default:
        return;
    }
  }

  /** Asks the master for a service-account token; rejects when no answer comes or the session ends. */
  requestToken(r: TokenRequest): Promise<ServiceAccountToken> {
    if (this.closed) return Promise.reject(new Error("the master session ended"));
    const requestId = ++this.tokenRequests;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingTokens.delete(requestId);
        reject(new Error(`the master did not answer within ${TOKEN_TIMEOUT_MS / 1000} s`));
      }, TOKEN_TIMEOUT_MS);
      this.pendingTokens.set(requestId, { resolve, reject, timer });
      this.send({ msg: { $case: "tokenRequest", tokenRequest: { requestId, ...r } } });
    });
  }

  send(m: AgentMessage): void {
    if (this.closed) return;
    this.call.write(AgentMessage.fromPartial(m));
  }

  private sendBatch(b: StatusBatch): void {
    if (b.pods.length > 0 || b.removed.length > 0) {
      this.send({ msg: { $case: "podStatus", podStatus: { full: false, pods: b.pods.map(podStatusToProto), removed: b.removed } } });
    }
    for (const e of b.events) this.send({ msg: { $case: "event", event: eventToProto(e) } });
  }

  private async sendNodeStatus(): Promise<void> {
    try {
      const status = await this.host.nodeStatus();
      const key = reportKey(status);
      const now = Date.now();
      if (this.lastReport && this.lastReport.key === key && now - this.lastReport.at < NODE_STATUS_REPORT_MS) return;
      this.lastReport = { key, at: now };
      this.send({ msg: { $case: "nodeStatus", nodeStatus: status } });
    } catch (err) {
      this.host.log.warn({ err }, "sampling node status failed");
    }
  }

  /** Ends the session: OK when `err` is undefined, else with its status. */
  end(err?: unknown): void {
    if (this.closed) return;
    this.cleanup();
    if (err === undefined) this.call.end();
    else endWith(this.call, err);
  }

  cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pendingTokens.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error("the master session ended"));
    }
    this.pendingTokens.clear();
    this.unsubscribe?.();
    clearInterval(this.heartbeat);
    clearInterval(this.nodeTimer);
    this.onClose(this);
  }
}

export class SessionHub {
  private active: OpenSession | undefined;

  constructor(private readonly host: SessionHost) {}

  isOpen(): boolean {
    return this.active !== undefined;
  }

  /** A service-account token from the leader, through the open session. */
  requestToken(r: TokenRequest): Promise<ServiceAccountToken> {
    if (!this.active) return Promise.reject(new Error("no master session is open"));
    return this.active.requestToken(r);
  }

  /** Ends every session (agent shutdown). */
  closeAll(): void {
    this.active?.end(rpcError(Code.UNAVAILABLE, "the agent is shutting down"));
  }

  handle(call: Call): void {
    let session: OpenSession | undefined;
    // Messages after SessionOpen wait until the agent's opening messages are out, so the wire
    // order is the documented one (hello, node status, full pod status, then acks).
    let opened: Promise<void> = Promise.resolve();
    call.on("data", (m: MasterMessage) => {
      if (session) {
        const s = session;
        opened = opened.then(() => s.handle(m));
        return;
      }
      if (m.msg?.$case !== "open") {
        endWith(call, rpcError(Code.INVALID_ARGUMENT, "the first message of a session must be SessionOpen"));
        return;
      }
      const open = m.msg.open;
      const h = this.host;
      if (open.nodeName !== h.nodeName) {
        endWith(call, rpcError(Code.FAILED_PRECONDITION, `this is node ${JSON.stringify(h.nodeName)}, not ${JSON.stringify(open.nodeName)}: the master dialled the wrong address`));
        return;
      }
      if (open.leaderEpoch < h.pods.leaderEpoch) {
        endWith(call, rpcError(Code.FAILED_PRECONDITION, `leader epoch ${open.leaderEpoch} of master ${open.masterId} is older than epoch ${h.pods.leaderEpoch}, which this agent already follows`));
        return;
      }
      this.active?.end(rpcError(Code.ABORTED, `superseded by a session of master ${open.masterId} with leader epoch ${open.leaderEpoch}`));
      h.pods.leaderEpoch = open.leaderEpoch;
      void h.pods.persist();
      session = new OpenSession(call, open.leaderEpoch, open.masterId, h, (s) => {
        if (this.active === s) this.active = undefined;
      });
      this.active = session;
      h.log.info({ master: open.masterId, epoch: open.leaderEpoch }, "master session opened");
      opened = session.begin(open.heartbeatIntervalSeconds).catch((err) => session?.end(err));
    });
    call.on("end", () => void opened.then(() => (session ? session.end() : call.end())));
    call.on("error", () => session?.cleanup());
    call.on("cancelled", () => session?.cleanup());
    call.on("close", () => session?.cleanup());
  }
}
