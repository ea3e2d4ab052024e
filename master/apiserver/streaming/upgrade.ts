// Protocol upgrades on the API's HTTPS server: pods/exec and pods/attach over WebSocket
// (v5.channel.k8s.io, or v4: kubectl 1.29 and later) or over SPDY/3.1 (v5, v4, v3, v2.channel.k8s.io:
// older kubectls and client-go programs, and kubectl's fallback), pods/portforward over SPDY/3.1
// — directly on the upgraded connection, or tunnelled in WebSocket binary messages (subprotocol
// SPDY/3.1+portforward.k8s.io), which kubectl 1.32 tries first. Requests are authenticated and
// authorized like every other API request (verb `create` on pods/exec, pods/attach,
// pods/portforward, as Kubernetes checks the upgrade) and checked (pod bound and not finished,
// container valid, options sane, a protocol both sides speak) before the 101, so that mistakes
// come back as ordinary Status errors.

import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createWebSocketStream, WebSocketServer } from "ws";
import { ApiError, errors } from "../../../api/errors";
import type { RequestRecord } from "../../metrics/request-metrics";
import type { ApiContext } from "../../registry/context";
import { parseRequestPath } from "../request-info";
import type { ApiServer } from "../server";
import { agentForPod, closeAgentPool } from "./agent-access";
import { SUPPORTED_PROTOCOLS, selectProtocol } from "./channel-protocol";
import type { ExecSession } from "./exec-bridge";
import { serveSpdyExec } from "./exec-spdy";
import { bridgeExec } from "./exec-websocket";
import { parseExecOptions, resolveContainer } from "./options";
import { PORT_FORWARD_PROTOCOL, servePortForward } from "./port-forward";
import { negotiateSpdyExecProtocol, SPDY_EXEC_PROTOCOLS } from "./spdy-remotecommand";
import { SpdySession } from "./spdy-session";

/** The WebSocket subprotocol of SPDY tunnelled through WebSocket (kubectl ≥ 1.31). */
export const PORT_FORWARD_TUNNEL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;

/** Serves exec/attach upgrades on the API server; agent channels close with the server. */
export function attachStreaming(api: ApiServer, ctx: ApiContext): void {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 16 * 1024 * 1024,
    handleProtocols: (offered) => selectProtocol(offered) ?? false,
  });
  // "SPDY/3.1+portforward.k8s.io" is not an RFC 6455 token ("/" is a separator), which `ws`
  // refuses to parse; upgradePortForward checks the offer itself and this answers it.
  const tunnel = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  tunnel.on("headers", (headers) => headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_TUNNEL}`));
  const servers = { wss, tunnel };
  api.httpsServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    // A refused upgrade is counted with its error code; an upgraded stream (101) once it ends.
    const record = ctx.metrics.requests.begin(req.method ?? "GET");
    socket.once("close", () => record.finish(101));
    handleUpgrade(api, ctx, servers, req, socket, head, record).catch((err) => {
      record.finish(ApiError.from(err).code);
      refuse(socket, err);
    });
  });
  api.httpsServer.on("close", () => {
    wss.close();
    tunnel.close();
    closeAgentPool(ctx);
  });
}

async function handleUpgrade(
  api: ApiServer,
  ctx: ApiContext,
  servers: { wss: WebSocketServer; tunnel: WebSocketServer },
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  record: RequestRecord,
): Promise<void> {
  const url = new URL(req.url ?? "/", "https://gantry.invalid");
  // The same access check as every request: exec, attach and portforward are `create` on pods/<sub>.
  await api.access(req);
  const target = parseRequestPath(url.pathname);
  if (target.type === "resource") record.resource(target, url.searchParams, "");
  const sub = target.type === "resource" && target.resource.kind === "Pod" && target.resource.group === "" ? target.subresource : undefined;
  if (target.type !== "resource" || !target.name || target.namespace === undefined || (sub !== "exec" && sub !== "attach" && sub !== "portforward")) {
    throw errors.badRequest(`${url.pathname} does not accept a protocol upgrade; only pods/exec, pods/attach and pods/portforward do`);
  }
  const name = target.name;
  const isWebSocket = (req.headers.upgrade ?? "").toLowerCase() === "websocket";

  if (sub === "portforward") return upgradePortForward(ctx, servers.tunnel, target.namespace, name, req, socket, head, isWebSocket);
  const kind = sub;
  const options = parseExecOptions(url.searchParams, kind === "attach");
  const agent = await agentForPod(ctx, target.namespace, name);
  const container = resolveContainer(agent.pod, options.container);
  const phase = ((agent.pod.status ?? {}) as { phase?: string }).phase;
  if (phase === "Succeeded" || phase === "Failed") {
    throw errors.badRequest(`cannot ${kind === "exec" ? "exec into" : "attach to"} a container in a completed pod; current phase is ${phase}`);
  }
  const session: ExecSession = { kind, target: agent, container, options };
  if (!isWebSocket) {
    if (!isSpdyUpgrade(req)) {
      throw errors.badRequest(`pods/${kind} needs an upgrade to WebSocket (${SUPPORTED_PROTOCOLS.join(", ")}) or to SPDY/3.1 (${SPDY_EXEC_PROTOCOLS.join(", ")}); the request asks for ${req.headers.upgrade ?? "none"}`);
    }
    const offered = headerList(req.headers["x-stream-protocol-version"]);
    const protocol = negotiateSpdyExecProtocol(offered);
    if (!protocol) throw noCommonProtocol(offered, SPDY_EXEC_PROTOCOLS);
    serveSpdyExec(acceptSpdy(socket, head, protocol), protocol, session);
    return;
  }
  const offered = headerList(req.headers["sec-websocket-protocol"]);
  const protocol = selectProtocol(offered);
  if (!protocol) {
    throw errors.badRequest(`none of the offered subprotocols [${offered.join(", ")}] is supported; use ${SUPPORTED_PROTOCOLS.join(" or ")}`);
  }
  servers.wss.handleUpgrade(req, socket, head, (ws) => bridgeExec(ws, { ...session, protocol }));
}

async function upgradePortForward(ctx: ApiContext, tunnel: WebSocketServer, namespace: string, name: string, req: IncomingMessage, socket: Duplex, head: Buffer, isWebSocket: boolean): Promise<void> {
  const agent = await agentForPod(ctx, namespace, name);
  const phase = ((agent.pod.status ?? {}) as { phase?: string }).phase;
  if (phase === "Succeeded" || phase === "Failed") throw errors.badRequest(`cannot forward ports of a completed pod; current phase is ${phase}`);
  if (isWebSocket) {
    if (!headerList(req.headers["sec-websocket-protocol"]).includes(PORT_FORWARD_TUNNEL)) throw errors.badRequest(`pods/portforward over WebSocket needs the subprotocol ${PORT_FORWARD_TUNNEL}`);
    delete req.headers["sec-websocket-protocol"];
    tunnel.handleUpgrade(req, socket, head, (ws) => servePortForward(new SpdySession(createWebSocketStream(ws)), agent));
    return;
  }
  if (!isSpdyUpgrade(req)) throw errors.badRequest("pods/portforward needs an upgrade to SPDY/3.1 or WebSocket");
  const offered = headerList(req.headers["x-stream-protocol-version"]);
  if (!offered.includes(PORT_FORWARD_PROTOCOL)) throw noCommonProtocol(offered, [PORT_FORWARD_PROTOCOL]);
  servePortForward(acceptSpdy(socket, head, PORT_FORWARD_PROTOCOL), agent);
}

function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? "").toLowerCase() === "spdy/3.1";
}

/** A comma-separated header (Node joins repeated header lines with ", "). */
function headerList(value: string | string[] | undefined): string[] {
  return String(value ?? "").split(",").map((p) => p.trim()).filter(Boolean);
}

function noCommonProtocol(offered: string[], served: readonly string[]): ApiError {
  if (offered.length === 0) return errors.badRequest(`unable to upgrade: the X-Stream-Protocol-Version header is required (this server speaks ${served.join(", ")})`);
  return errors.badRequest(`unable to upgrade: unable to negotiate protocol: client supports [${offered.join(" ")}], server accepts [${served.join(" ")}]`);
}

/** Answers 101 with the chosen protocol; the connection is a SPDY session from here on. */
function acceptSpdy(socket: Duplex, head: Buffer, protocol: string): SpdySession {
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Connection: Upgrade\r\n" +
      "Upgrade: SPDY/3.1\r\n" +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  if (head.length > 0) socket.unshift(head);
  return new SpdySession(socket);
}

/** An HTTP answer on a socket that asked to upgrade: a Status, then the connection closes. */
function refuse(socket: Duplex, err: unknown): void {
  if (socket.destroyed) return;
  const status = ApiError.from(err);
  const body = JSON.stringify(status.toStatus());
  socket.end(
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? "Error"}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
}
