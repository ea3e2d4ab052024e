// The DNS server's sockets: UDP and TCP on one address and port (53 on the node's gateway
// address in production), each message handed to the Responder.
//
// TCP follows RFC 7766: two-byte length prefix, several queries per connection, answered in
// order. A connection is closed when it sends a message shorter than a DNS header, stays idle
// for `idleMs`, or the server holds `maxConnections` already. Nothing a client sends can end
// the process: every socket has an error handler and every reply path catches.

import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIPv6, type Server, type Socket } from "node:net";
import type { Responder } from "./responder";

export interface DnsServerOptions {
  address: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
  idleMs?: number;
  maxConnections?: number;
  /** Queries one TCP connection may have waiting before the server stops reading from it. */
  maxPipelined?: number;
  onError?: (err: unknown) => void;
}

export class DnsServer {
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly connections = new Set<Socket>();
  port = 0;

  constructor(
    private readonly responder: Responder,
    private readonly options: DnsServerOptions,
  ) {}

  get address(): string {
    return this.options.address;
  }

  /** Binds both sockets; rejects (with nothing left open) if either cannot bind. */
  async start(): Promise<void> {
    const o = this.options;
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket({ type: isIPv6(o.address) ? "udp6" : "udp4" });
      try {
        this.port = await bindUdp(udp, o.address, o.port);
      } catch (err) {
        // A socket whose bind failed is still open: close it, or every retry leaks one.
        udp.close();
        throw err;
      }
      this.udp = udp;
      try {
        this.tcp = await this.listenTcp(this.port);
        break;
      } catch (err) {
        await this.stop();
        // A free UDP port whose TCP twin is taken: pick another pair.
        const retry = o.port === 0 && (err as NodeJS.ErrnoException).code === "EADDRINUSE" && attempt < 10;
        if (!retry) throw err;
      }
    }
    this.udp.on("error", (err) => o.onError?.(err));
    this.udp.on("message", (msg, from) => {
      this.responder
        .respond(msg, "udp")
        .then((reply) => {
          if (reply) this.udp?.send(reply, from.port, from.address, (err) => err && o.onError?.(err));
        })
        .catch((err) => o.onError?.(err));
    });
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = undefined;
    this.tcp = undefined;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  private listenTcp(port: number): Promise<Server> {
    const o = this.options;
    const server = createServer((socket) => this.serveConnection(socket));
    server.maxConnections = o.maxConnections ?? 256;
    server.on("error", (err) => o.onError?.(err));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: o.address, port, exclusive: true }, () => {
        server.off("error", reject);
        resolve(server);
      });
    });
  }

  private serveConnection(socket: Socket): void {
    const o = this.options;
    this.connections.add(socket);
    socket.on("close", () => this.connections.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.setTimeout(o.idleMs ?? 10_000, () => socket.destroy());
    let buffered: Buffer = Buffer.alloc(0);
    let queue: Promise<void> = Promise.resolve();
    let waiting = 0;
    const maxPipelined = o.maxPipelined ?? 16;
    socket.on("data", (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const size = buffered.readUInt16BE(0);
        if (buffered.length < 2 + size) break;
        const msg = Buffer.from(buffered.subarray(2, 2 + size));
        buffered = buffered.subarray(2 + size);
        if (msg.length < 12) {
          socket.destroy();
          return;
        }
        waiting++;
        if (waiting >= maxPipelined) socket.pause();
        queue = queue.then(async () => {
          try {
            const reply = await this.responder.respond(msg, "tcp");
            if (reply && !socket.destroyed) {
              const length = Buffer.alloc(2);
              length.writeUInt16BE(reply.length);
              socket.write(Buffer.concat([length, reply]));
            }
          } catch (err) {
            o.onError?.(err);
          } finally {
            waiting--;
            if (waiting < maxPipelined && !socket.destroyed) socket.resume();
          }
        });
      }
    });
  }
}

function bindUdp(socket: UdpSocket, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off("error", reject);
      resolve(socket.address().port);
    });
  });
}
