// etcd's own readiness signal: GET /health answers {"health":"true"} once the member has a
// leader, no alarms, and can serve a quorum read. Plain HTTP keeps this independent of the
// gRPC client, whose retry and back-off policies would blur "not yet up" and "broken".

import { request } from "node:http";

/** True when the member at `clientUrl` reports itself healthy within `timeoutMs`. */
export function isHealthy(clientUrl: string, timeoutMs = 1000): Promise<boolean> {
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
    const req = request(`${clientUrl}/health`, { agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => settle(res.statusCode === 200 && parseHealth(body)));
      res.on("error", () => settle(false));
    });
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
