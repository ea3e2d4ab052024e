// Sends queries for names outside the cluster zone to the upstream resolvers, one after the
// other until one answers: over UDP from a fresh socket per query (so replies cannot be confused
// and spoofing needs the port too), over TCP with one connection per query. A reply counts only
// if it comes from the upstream's address and carries the query's id.
//
// Bounded: at most `maxInFlight` queries are out at once; more get no upstream (SERVFAIL), so a
// flood of queries cannot exhaust the agent's file descriptors.

import { createSocket } from "node:dgram";
import { connect, isIPv6 } from "node:net";
import type { Transport, Upstream } from "./responder";

export interface UpstreamAddress {
  host: string;
  port: number;
}

export interface ForwarderOptions {
  /** How long one upstream gets to answer before the next is asked. Default 2 s. */
  timeoutMs?: number;
  maxInFlight?: number;
}

export class Forwarder implements Upstream {
  private inFlight = 0;
  private readonly timeoutMs: number;
  private readonly maxInFlight: number;

  constructor(
    readonly upstreams: readonly UpstreamAddress[],
    options: ForwarderOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.maxInFlight = options.maxInFlight ?? 512;
  }

  async forward(query: Buffer, transport: Transport): Promise<Buffer | undefined> {
    if (this.inFlight >= this.maxInFlight) return undefined;
    this.inFlight++;
    try {
      for (const u of this.upstreams) {
        const reply = transport === "udp" ? await this.overUdp(u, query) : await this.overTcp(u, query);
        if (reply) return reply;
      }
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  private overUdp(u: UpstreamAddress, query: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const socket = createSocket(isIPv6(u.host) ? "udp6" : "udp4");
      const done = settleOnce(resolve, this.timeoutMs, () => {
        socket.removeAllListeners("message");
        socket.on("error", () => {});
        socket.close();
      });
      socket.on("error", () => done(undefined));
      socket.on("message", (msg, from) => {
        if (from.address === u.host && from.port === u.port && sameId(msg, query)) done(msg);
      });
      socket.send(query, u.port, u.host, (err) => {
        if (err) done(undefined);
      });
    });
  }

  private overTcp(u: UpstreamAddress, query: Buffer): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      const socket = connect({ host: u.host, port: u.port });
      let buffered = Buffer.alloc(0);
      const done = settleOnce(resolve, this.timeoutMs, () => {
        socket.removeAllListeners("data");
        socket.on("error", () => {});
        socket.destroy();
      });
      socket.on("error", () => done(undefined));
      socket.on("close", () => done(undefined));
      socket.on("connect", () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(query.length);
        socket.write(Buffer.concat([length, query]));
      });
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length < 2) return;
        const size = buffered.readUInt16BE(0);
        if (buffered.length < 2 + size) return;
        const msg = buffered.subarray(2, 2 + size);
        done(sameId(msg, query) ? Buffer.from(msg) : undefined);
      });
    });
  }
}

/** A settle function that runs `cleanup` and resolves once (the first call, or undefined after `timeoutMs`). */
function settleOnce(resolve: (reply: Buffer | undefined) => void, timeoutMs: number, cleanup: () => void): (reply: Buffer | undefined) => void {
  let finished = false;
  const settle = (reply: Buffer | undefined) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    cleanup();
    resolve(reply);
  };
  const timer = setTimeout(() => settle(undefined), timeoutMs);
  return settle;
}

function sameId(reply: Buffer, query: Buffer): boolean {
  return reply.length >= 12 && reply.readUInt16BE(0) === query.readUInt16BE(0);
}
