// The client side of the service proxy tests, run inside a namespace:
//   node lab-client.js http <url> <count> [timeout ms]     one new connection per request
//   node lab-client.js udp <host> <port> <count> [timeout ms] [source port]   one socket
// Prints a JSON array: {"pod", "remote"} per answer, {"error": code} per failure.

import { createSocket } from "node:dgram";
import { request } from "node:http";

interface Result {
  pod?: string;
  remote?: string;
  error?: string;
}

function httpOnce(url: string, timeoutMs: number): Promise<Result> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => {
        try {
          resolve(JSON.parse(body) as Result);
        } catch {
          resolve({ error: `bad body ${body.slice(0, 100)}` });
        }
      });
      res.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "TIMEOUT" })));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

async function udp(host: string, port: number, count: number, timeoutMs: number, sourcePort: number): Promise<Result[]> {
  const sock = createSocket("udp4");
  await new Promise<void>((resolve) => sock.bind(sourcePort, resolve));
  const out: Result[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      await new Promise<Result>((resolve) => {
        const timer = setTimeout(() => {
          sock.removeAllListeners("message");
          resolve({ error: "TIMEOUT" });
        }, timeoutMs);
        sock.once("message", (msg) => {
          clearTimeout(timer);
          const [pod, remote] = msg.toString().split(" ");
          resolve({ pod, remote });
        });
        sock.send(`ping ${i}`, port, host);
      }),
    );
  }
  sock.close();
  return out;
}

async function main(): Promise<void> {
  const [mode, a, b, c, d, e] = process.argv.slice(2);
  let results: Result[] = [];
  if (mode === "http") {
    for (let i = 0; i < Number(b); i++) results.push(await httpOnce(a, Number(c ?? 2000)));
  } else if (mode === "udp") {
    results = await udp(a, Number(b), Number(c), Number(d ?? 1000), Number(e ?? 0));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  process.stdout.write(JSON.stringify(results) + "\n");
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
