// etcd's own readiness signal: GET /health answers {"health":"true"} once the member has a
// leader, no alarms, and can serve a quorum read. Plain HTTP(S) keeps this independent of the
// gRPC client, whose retry and back-off policies would blur "not yet up" and "broken". A member
// that serves TLS asks for a client certificate here too (the healthcheck-client one).

import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { EtcdClientTls } from "./etcd-tls";

/** True when the member at `clientUrl` reports itself healthy within `timeoutMs`. */
export function isHealthy(clientUrl: string, timeoutMs = 1000, tls?: EtcdClientTls): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (healthy: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(healthy);
    };
    // A hard deadline: a peer that accepts but never answers must not stall the caller.
    const timer = setTimeout(() => settle(false), timeoutMs);
    const url = `${clientUrl}/health`;
    const onResponse = (res: IncomingMessage) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => settle(res.statusCode === 200 && parseHealth(body)));
      res.on("error", () => settle(false));
    };
    const req = url.startsWith("https:")
      ? httpsRequest(url, { agent: false, ca: tls?.caPem, cert: tls?.certPem, key: tls?.keyPem }, onResponse)
      : httpRequest(url, { agent: false }, onResponse);
    req.on("error", () => settle(false));
    req.on("close", () => settle(false));
    req.end();
  });
}

function parseHealth(body: string): boolean {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null && (parsed as { health?: unknown }).health === "true";
  } catch {
    return false;
  }
}
