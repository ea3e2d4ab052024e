// A tiny program the agent runs inside a pod's network namespace to probe the pod's own
// address (`nsenter --net=<ns> -- node netns-client.js '<json>'`). Loopback-only pods have no
// address reachable from the node, and a process cannot switch namespaces in Node, so the
// request is made by a child that starts inside the namespace. It prints one JSON outcome.
//
// Input: {"kind":"http", ...HttpProbeRequest} or {"kind":"tcp", ...TcpProbeRequest}.
//
// The same program relays port-forward connections: {"kind":"connect","port":N} connects to
// 127.0.0.1:N in the namespace and copies stdin to the socket and the socket to stdout; a
// failure to connect is one line on stderr and exit status 1.

import * as net from "node:net";
import { httpProbe, tcpProbe, type HttpProbeRequest, type ProbeOutcome, type TcpProbeRequest } from "./net-probes";

type Request = ({ kind: "http" } & HttpProbeRequest) | ({ kind: "tcp" } & TcpProbeRequest) | { kind: "connect"; port: number };

function relay(port: number): void {
  const sock = net.connect({ host: "127.0.0.1", port });
  sock.once("connect", () => {
    process.stdin.pipe(sock);
    sock.pipe(process.stdout);
  });
  sock.once("error", (e: NodeJS.ErrnoException) => {
    process.stderr.write(`${e.code === "ECONNREFUSED" ? `connect to 127.0.0.1:${port} in the pod: connection refused` : e.message}\n`);
    process.exit(1);
  });
  sock.once("close", () => process.exit(0));
}

async function main(): Promise<void> {
  let outcome: ProbeOutcome;
  try {
    const req = JSON.parse(process.argv[2] ?? "") as Request;
    if (req.kind === "connect") {
      relay(req.port);
      return;
    }
    outcome = req.kind === "http" ? await httpProbe(req) : await tcpProbe(req);
  } catch (err) {
    outcome = { ok: false, output: `probe client: ${(err as Error).message}` };
  }
  process.stdout.write(`${JSON.stringify(outcome)}\n`);
}

if (require.main === module) void main();
