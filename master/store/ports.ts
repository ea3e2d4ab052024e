// Free TCP ports for members started on loopback (tests, single-host clusters). The OS picks
// them; all listeners of one call stay open until every port is known, so one call never
// hands out the same port twice.

import { createServer, type Server } from "node:net";

/** Returns `count` distinct ports that were free on `host` a moment ago. */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnAnyPort(server, host));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Returns one port that was free on `host` a moment ago. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const [port] = await freePorts(1, host);
  return port;
}

function listenOnAnyPort(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        reject(new Error(`listening on ${host}:0 gave no TCP port`));
        return;
      }
      resolve(address.port);
    });
  });
}
