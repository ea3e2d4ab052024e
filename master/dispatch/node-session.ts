// One long-lived Session with one node's agent (proto/README.md "Session"). On every connect it
// sends SessionOpen, NodeConfig, every Service (ServiceUpdate{full}) and the full desired pod set
// without waiting for the hello; afterwards pod deltas when the host asks for a sync, Service
// deltas the host hands it, NodeConfig when it changes, and heartbeats.
// Whatever ends the stream (agent restart, network, a missed-heartbeat timeout, a newer
// leader), it dials again with exponential back-off; the full set on reconnect makes both sides
// converge again.

import { status as GrpcStatus, type ClientDuplexStream, type ServiceError } from "@grpc/grpc-js";
import { isDeepStrictEqual } from "node:util";
import { MasterMessage, NodeConfig, type AgentClient, type AgentMessage, type ServiceAccountToken, type ServiceView } from "../../proto/gen/agent";
import type { Logger } from "../log";
import { DesiredStateTracker, type DesiredInputs } from "./desired-state";
import type { ServiceDelta } from "./service-updates";

export interface SessionHost {
  readonly masterId: string;
  leaderEpoch(): number;
  readonly heartbeatIntervalSeconds: number;
  nodeConfig(nodeName: string): NodeConfig;
  /** Every Service's view: the full set a connecting agent gets. */
  serviceViews(): ServiceView[];
  desiredInputs(nodeName: string): DesiredInputs;
  /** Every agent message, in order. */
  onAgentMessage(nodeName: string, msg: AgentMessage): void;
  readonly log: Logger;
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export class NodeSession {
  readonly tracker = new DesiredStateTracker();
  private call?: ClientDuplexStream<MasterMessage, AgentMessage>;
  private stopped = false;
  private connected = false;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private syncTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private lastReceived = 0;
  private heartbeatSeq = 0;
  private sentConfig?: NodeConfig;
  /** ServiceUpdate generations on the current stream. */
  private serviceGeneration = 0;
  private closed?: Promise<void>;

  constructor(
    readonly nodeName: string,
    private readonly client: AgentClient,
    private readonly host: SessionHost,
    private readonly backoff: BackoffPolicy = { initialMs: 500, maxMs: 30_000 },
  ) {}

  /** True once the agent has said hello on the current stream. */
  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    this.dial();
  }

  /** Ends the stream and stops dialling; resolves once the stream is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.syncTimer);
    clearInterval(this.heartbeatTimer);
    this.call?.cancel();
    await this.closed;
  }

  /** Sends whatever changed in the node's desired pods since the last message (debounced). */
  requestSync(): void {
    if (!this.call || this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (!this.call) return;
      const delta = this.tracker.delta(this.host.desiredInputs(this.nodeName));
      if (delta) this.send({ msg: { $case: "desiredPods", desiredPods: delta } });
    }, 20);
  }

  /** Sends a Service delta (the same one goes to every session). */
  sendServices(delta: ServiceDelta): void {
    if (!this.call) return;
    this.send({ msg: { $case: "services", services: { generation: ++this.serviceGeneration, full: false, upsert: delta.upsert, remove: delta.remove } } });
  }

  /** Answers an agent's ServiceAccountTokenRequest (on the stream it came from, if still open). */
  sendToken(token: ServiceAccountToken): void {
    if (!this.call) return;
    this.send({ msg: { $case: "token", token } });
  }

  /** Sends NodeConfig when it differs from what this stream last carried. */
  refreshNodeConfig(): void {
    if (!this.call) return;
    const config = this.host.nodeConfig(this.nodeName);
    if (this.sentConfig && isDeepStrictEqual(config, this.sentConfig)) return;
    this.sentConfig = config;
    this.send({ msg: { $case: "nodeConfig", nodeConfig: config } });
  }

  private dial(): void {
    if (this.stopped) return;
    const call = this.client.session();
    this.call = call;
    this.connected = false;
    this.lastReceived = Date.now();
    let resolveClosed!: () => void;
    this.closed = new Promise((r) => (resolveClosed = r));
    let ended = false;
    const end = (err?: ServiceError) => {
      if (ended) return;
      ended = true;
      if (this.call === call) this.call = undefined;
      this.connected = false;
      clearInterval(this.heartbeatTimer);
      clearTimeout(this.syncTimer);
      this.syncTimer = undefined;
      resolveClosed();
      if (this.stopped) return;
      this.logEnd(err);
      this.scheduleReconnect();
    };

    call.on("data", (msg: AgentMessage) => {
      this.lastReceived = Date.now();
      if (msg.msg?.$case === "hello") {
        this.connected = true;
        this.attempt = 0;
        this.host.log.info({ node: this.nodeName, agent: msg.msg.hello.agentInstanceId, version: msg.msg.hello.agentVersion }, "agent session established");
      }
      try {
        this.host.onAgentMessage(this.nodeName, msg);
      } catch (err) {
        this.host.log.warn({ err, node: this.nodeName }, "handling an agent message failed");
      }
    });
    call.on("error", (err: ServiceError) => end(err));
    call.on("status", () => end());

    this.send({
      msg: {
        $case: "open",
        open: {
          nodeName: this.nodeName,
          masterId: this.host.masterId,
          leaderEpoch: this.host.leaderEpoch(),
          heartbeatIntervalSeconds: this.host.heartbeatIntervalSeconds,
        },
      },
    });
    this.sentConfig = undefined;
    this.refreshNodeConfig();
    this.serviceGeneration = 0;
    this.send({ msg: { $case: "services", services: { generation: ++this.serviceGeneration, full: true, upsert: this.host.serviceViews(), remove: [] } } });
    this.send({ msg: { $case: "desiredPods", desiredPods: this.tracker.full(this.host.desiredInputs(this.nodeName)) } });

    const intervalMs = this.host.heartbeatIntervalSeconds * 1000;
    this.heartbeatTimer = setInterval(() => {
      // The agent heartbeats at the interval we asked for; silence for several means the
      // session loop (or the host) is gone even if TCP looks alive.
      if (Date.now() - this.lastReceived > intervalMs * 3.5) {
        this.host.log.warn({ node: this.nodeName }, "agent session silent; reconnecting");
        call.cancel();
        return;
      }
      this.send({ msg: { $case: "heartbeat", heartbeat: { sequence: ++this.heartbeatSeq, sentAt: new Date().toISOString() } } });
    }, intervalMs);
  }

  private send(msg: MasterMessage): void {
    const call = this.call;
    if (!call || this.stopped) return;
    try {
      call.write(MasterMessage.fromPartial(msg));
    } catch (err) {
      this.host.log.warn({ err, node: this.nodeName }, "writing to the agent session failed");
      call.cancel();
    }
  }

  private scheduleReconnect(): void {
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 16);
    const delay = base * (0.8 + Math.random() * 0.4);
    this.reconnectTimer = setTimeout(() => this.dial(), delay);
  }

  private logEnd(err?: ServiceError): void {
    const fields = { node: this.nodeName, code: err?.code, err: err?.details ?? err?.message };
    if (err?.code === GrpcStatus.FAILED_PRECONDITION || err?.code === GrpcStatus.ABORTED) {
      this.host.log.warn(fields, "agent refused or ended the session (another leader, or the wrong node at this address)");
    } else if (this.attempt < 3) {
      this.host.log.info(fields, "agent session ended; dialling again");
    } else {
      this.host.log.debug(fields, "agent session ended; dialling again");
    }
  }
}
