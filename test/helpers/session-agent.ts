// A scripted agent that only speaks the Session RPC of proto/agent.proto: it accepts the master's
// stream on 127.0.0.1, says hello, heartbeats, and records every MasterMessage with the time it
// arrived. For tests of what the master sends (ServiceUpdate, NodeConfig, DesiredPods) without
// running pods. test/dispatch-contract.test.ts has a fuller one that also runs pods.

import { Server, ServerCredentials, status as GrpcStatus, type ServerDuplexStream, type sendUnaryData } from "@grpc/grpc-js";
import { AgentMessage, AgentService, type AgentServer, type MasterMessage } from "../../proto/gen/agent";

export interface Received {
  at: number;
  msg: NonNullable<MasterMessage["msg"]>;
}

export class SessionAgent {
  /** Every message of every session, in arrival order. */
  readonly received: Received[] = [];
  /** When each session stream ended (the master ended or cancelled it, or it failed). */
  readonly sessionsEnded: number[] = [];
  port = 0;
  private server?: Server;
  private readonly listeners = new Set<(r: Received) => void>();

  constructor(readonly nodeName: string) {}

  /** TLS credentials to serve with (scriptedAgentCredentials); a real master dials nothing else. */
  credentials: ServerCredentials = ServerCredentials.createInsecure();

  async start(port = 0): Promise<void> {
    const server = new Server();
    const refuse = (_call: unknown, cb: sendUnaryData<never>) => cb({ code: GrpcStatus.UNIMPLEMENTED, details: "not scripted" }, null);
    const refuseStream = (call: { destroy(err: Error): void }) => call.destroy(Object.assign(new Error("not scripted"), { code: GrpcStatus.UNIMPLEMENTED }));
    const impl: AgentServer = {
      session: (call) => this.onSession(call),
      setDesiredPods: refuse,
      listPodStatus: refuse,
      getNodeStatus: refuse,
      getMetrics: refuse,
      logs: refuseStream,
      exec: refuseStream,
      attach: refuseStream,
      portForward: refuseStream,
      pullImage: refuseStream,
    };
    server.addService(AgentService, impl);
    this.port = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, this.credentials, (err, p) => (err ? reject(err) : resolve(p))));
    this.server = server;
  }

  /** Like a crash: every stream ends at once. start(port) brings it back. */
  kill(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }

  /** Calls `fn` for each message from now on; returns a function that stops it. */
  onMessage(fn: (r: Received) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private onSession(call: ServerDuplexStream<MasterMessage, AgentMessage>): void {
    let heartbeat: NodeJS.Timeout | undefined;
    const send = (msg: AgentMessage["msg"]) => {
      if (!call.destroyed && call.writable) call.write(AgentMessage.fromPartial({ msg }));
    };
    call.on("data", (m: MasterMessage) => {
      if (!m.msg) return;
      const r = { at: Date.now(), msg: m.msg };
      this.received.push(r);
      for (const l of this.listeners) l(r);
      if (m.msg.$case === "open") {
        send({ $case: "hello", hello: { nodeName: this.nodeName, agentInstanceId: "session-agent", agentVersion: "v0-test" } });
        heartbeat = setInterval(() => send({ $case: "heartbeat", heartbeat: { sequence: 1, sentAt: new Date().toISOString() } }), 1000);
      }
    });
    let ended = false;
    const end = () => {
      clearInterval(heartbeat);
      if (!ended) this.sessionsEnded.push(Date.now());
      ended = true;
    };
    call.on("end", () => {
      end();
      call.end();
    });
    call.on("error", end);
    call.on("cancelled", end);
  }
}
