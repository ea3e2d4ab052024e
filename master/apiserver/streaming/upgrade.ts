// Protocol upgrades on the API's HTTPS server: pods/exec and pods/attach over WebSocket
// (v5.channel.k8s.io, or v4), pods/portforward over SPDY/3.1 — directly on the upgraded
// connection, or tunnelled in WebSocket binary messages (subprotocol
// SPDY/3.1+portforward.k8s.io), which kubectl 1.32 tries first. Requests are authenticated and
// authorized like every other API request (verb `create` on pods/exec, pods/attach,
// pods/portforward, as Kubernetes checks the upgrade) and checked (pod bound and not finished, container valid, options
// sane) before the 101, so that mistakes come back as ordinary Status errors. kubectl retries a
// failed exec WebSocket upgrade over SPDY, which exec does not serve: that retry receives the
// same error, or, when the request itself was fine, a 400 saying so.

import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createWebSocketStream, WebSocketServer } from "ws";
import { ApiError, errors } from "../../../api/errors";
import type { ApiContext } from "../context";
import { parseRequestPath } from "../request-info";
import type { ApiServer } from "../server";
import { agentForPod, closeAgentPool } from "./agent-access";
import { SUPPORTED_PROTOCOLS, selectProtocol } from "./channel-protocol";
import { bridgeExec } from "./exec-bridge";
import { parseExecOptions, resolveContainer } from "./options";
import { PORT_FORWARD_PROTOCOL, servePortForward } from "./port-forward";
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
    handleUpgrade(api, ctx, servers, req, socket, head).catch((err) => refuse(socket, err));
  });
  api.httpsServer.on("close", () => {
    wss.close();
    tunnel.close();
    closeAgentPool(ctx);
  });
}

async function handleUpgrade(api: ApiServer, ctx: ApiContext, servers: { wss: WebSocketServer; tunnel: WebSocketServer }, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const url = new URL(req.url ?? "/", "https://gantry.invalid");
  // The same access check as every request: exec, attach and portforward are `create` on pods/<sub>.
  await api.access(req);
  const target = parseRequestPath(url.pathname);
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
  if (!isWebSocket) {
    throw errors.badRequest(`pods/${kind} is served over WebSocket (${SUPPORTED_PROTOCOLS.join(", ")}) only; this apiserver does not speak ${req.headers.upgrade ?? "a plain HTTP request"}`);
  }
  const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim()).filter(Boolean);
  const protocol = selectProtocol(offered);
  if (!protocol) {
    throw errors.badRequest(`none of the offered subprotocols [${offered.join(", ")}] is supported; use ${SUPPORTED_PROTOCOLS.join(" or ")}`);
  }
  servers.wss.handleUpgrade(req, socket, head, (ws) => bridgeExec(ws, { kind, protocol, target: agent, container, options }));
}

async function upgradePortForward(ctx: ApiContext, tunnel: WebSocketServer, namespace: string, name: string, req: IncomingMessage, socket: Duplex, head: Buffer, isWebSocket: boolean): Promise<void> {
  const agent = await agentForPod(ctx, namespace, name);
  const phase = ((agent.pod.status ?? {}) as { phase?: string }).phase;
  if (phase === "Succeeded" || phase === "Failed") throw errors.badRequest(`cannot forward ports of a completed pod; current phase is ${phase}`);
  if (isWebSocket) {
    const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    if (!offered.includes(PORT_FORWARD_TUNNEL)) throw errors.badRequest(`pods/portforward over WebSocket needs the subprotocol ${PORT_FORWARD_TUNNEL}`);
    delete req.headers["sec-websocket-protocol"];
    tunnel.handleUpgrade(req, socket, head, (ws) => servePortForward(new SpdySession(createWebSocketStream(ws)), agent));
    return;
  }
  if ((req.headers.upgrade ?? "").toLowerCase() !== "spdy/3.1") throw errors.badRequest("pods/portforward needs an upgrade to SPDY/3.1 or WebSocket");
  const versions = String(req.headers["x-stream-protocol-version"] ?? "").split(",").map((p) => p.trim());
  if (!versions.includes(PORT_FORWARD_PROTOCOL)) throw errors.badRequest(`unable to negotiate a port-forward protocol: the client offers [${versions.join(", ")}], the server speaks ${PORT_FORWARD_PROTOCOL}`);
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\n" +
      "Connection: Upgrade\r\n" +
      "Upgrade: SPDY/3.1\r\n" +
      `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`,
  );
  if (head.length > 0) socket.unshift(head);
  servePortForward(new SpdySession(socket), agent);
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
