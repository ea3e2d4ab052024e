// HTTP GET and TCP probes, done from whatever network namespace the calling process is in.
// The agent runs them in-process for probes that name a host, and through netns-client.ts
// (spawned inside the pod's namespace) for the pod's own address. Outcomes and messages follow
// the kubelet: 200 <= status < 400 is success; errors read like Go's net/http ones.

import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";

export interface ProbeOutcome {
  ok: boolean;
  output: string;
}

export interface HttpProbeRequest {
  scheme: "HTTP" | "HTTPS";
  host: string;
  port: number;
  path: string;
  headers: Array<{ name: string; value: string }>;
  timeoutMs: number;
}

export interface TcpProbeRequest {
  host: string;
  port: number;
  timeoutMs: number;
}

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function netError(err: NodeJS.ErrnoException, host: string, port: number): string {
  const reason = err.code === "ECONNREFUSED" ? "connect: connection refused" : err.code === "EHOSTUNREACH" ? "connect: no route to host" : err.message;
  return `dial tcp ${hostPort(host, port)}: ${reason}`;
}

export function httpProbe(req: HttpProbeRequest): Promise<ProbeOutcome> {
  const url = `${req.scheme.toLowerCase()}://${hostPort(req.host, req.port)}${req.path.startsWith("/") ? req.path : `/${req.path}`}`;
  const headers: Record<string, string> = { "User-Agent": "kube-probe/1.32", Accept: "*/*" };
  for (const h of req.headers) headers[h.name] = h.value;
  const mod = req.scheme === "HTTPS" ? https : http;
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: ProbeOutcome) => {
      if (!done) {
        done = true;
        resolve(o);
      }
    };
    const r = mod.get(url, { headers, timeout: req.timeoutMs, rejectUnauthorized: false }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume(); // the body is not part of the outcome; drain it so the socket closes
      res.on("end", () => finish(code >= 200 && code < 400 ? { ok: true, output: "" } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` }));
      res.on("error", (e) => finish({ ok: false, output: `Get "${url}": ${e.message}` }));
    });
    r.on("timeout", () => {
      r.destroy();
      finish({ ok: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    r.on("error", (e: NodeJS.ErrnoException) => finish({ ok: false, output: `Get "${url}": ${netError(e, req.host, req.port)}` }));
  });
}

export function tcpProbe(req: TcpProbeRequest): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: req.host, port: req.port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, output: `dial tcp ${hostPort(req.host, req.port)}: i/o timeout` });
    }, req.timeoutMs);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, output: "" });
    });
    sock.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, output: netError(e, req.host, req.port) });
    });
  });
}
