// pods/portforward: kubectl's port-forward protocol (portforward.k8s.io) on a SPDY session.
// For every local connection kubectl opens two streams with the same `requestid`: an error
// stream (anything written there is shown to the user) and a data stream (the TCP bytes).
// Each pair becomes one agent PortForward gRPC stream, i.e. one TCP connection to the port
// inside the pod's network namespace.

import type { PortForwardData } from "../../../proto/gen/agent";
import { fromAgentError, type PodAgent } from "./agent-access";
import type { SpdySession, SpdyStream } from "./spdy-session";

export const PORT_FORWARD_PROTOCOL = "portforward.k8s.io";
/** A pair must be complete this soon after its first stream, as the kubelet requires. */
const PAIR_TIMEOUT_MS = 30_000;

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

export function servePortForward(session: SpdySession, target: PodAgent): void {
  const pairs = new Map<string, Pair>();
  session.on("stream", (s) => {
    const type = s.headers.streamtype;
    const requestId = s.headers.requestid ?? "";
    if (type !== "error" && type !== "data") {
      void session.reply(s).then((ok) => ok && s.reset());
      return;
    }
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(requestId);
        const p = pair!;
        p.error?.write(Buffer.from(`timed out waiting for the ${p.error ? "data" : "error"} stream of request ${requestId}`));
        p.error?.end();
        p.data?.reset();
      }, PAIR_TIMEOUT_MS);
      pair = { timer };
      pairs.set(requestId, pair);
    }
    if (type === "error") pair.error = s;
    else pair.data = s;
    void session.reply(s);
    if (pair.error && pair.data) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      forward(session, pair.error, pair.data, target);
    }
  });
  session.on("close", () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });
}

function forward(session: SpdySession, errorStream: SpdyStream, dataStream: SpdyStream, target: PodAgent): void {
  const port = Number(dataStream.headers.port);
  const pod = { uid: target.pod.metadata.uid ?? "", namespace: target.pod.metadata.namespace ?? "", name: target.pod.metadata.name ?? "" };
  const fail = (message: string) => {
    errorStream.write(Buffer.from(message));
    errorStream.end();
    dataStream.end();
  };
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`invalid port ${JSON.stringify(dataStream.headers.port)}`);
    return;
  }
  const call = target.client.portForward();
  let done = false;
  const finish = (message?: string) => {
    if (done) return;
    done = true;
    session.resume();
    if (message) fail(`error forwarding port ${port} to pod ${pod.namespace}/${pod.name}: ${message}`);
    else {
      errorStream.end();
      dataStream.end();
    }
  };
  call.write({ pod, port, data: Buffer.alloc(0), close: false, error: "" });
  // Flow control both ways: while the agent's stream is full, stop reading the client's
  // connection; while the client reads slower than the pod sends, stop reading the agent.
  const resumeClient = () => session.resume();
  const resumeAgent = () => call.resume();
  dataStream.on("data", (d) => {
    if (done) return;
    if (!call.write({ data: d, port: 0, close: false, error: "" })) {
      session.pause();
      call.once("drain", resumeClient);
    }
  });
  dataStream.on("end", () => {
    if (done) return;
    call.write({ data: Buffer.alloc(0), port: 0, close: true, error: "" });
    call.end();
  });
  dataStream.on("reset", () => {
    done = true;
    session.resume();
    call.cancel();
  });
  call.on("data", (m: PortForwardData) => {
    if (m.data.length > 0 && !dataStream.write(m.data)) {
      call.pause();
      session.once("drain", resumeAgent);
    }
    if (m.error) finish(m.error);
  });
  call.on("error", (err) => finish(fromAgentError(err, target).message));
  call.on("status", (s) => {
    if (s.code === 0) finish();
  });
}
