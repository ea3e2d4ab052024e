// A tiny upstream resolver for tests, on dns-packet: answers every A question under `zone` with
// `address`, everything else NXDOMAIN, over UDP and TCP on one loopback (or test namespace)
// port. Tests point the cluster DNS at it so no query ever leaves for a real resolver.

import * as dnsPacket from "dns-packet";
import { createSocket } from "node:dgram";
import { createServer, type Socket } from "node:net";

export interface FakeUpstream {
  host: string;
  port: number;
  /** Names asked, in order, with the transport used. */
  asked: { name: string; type: string; transport: "udp" | "tcp" }[];
  stop(): Promise<void>;
}

export async function startFakeUpstream(host: string, zone: string, address: string): Promise<FakeUpstream> {
  const asked: FakeUpstream["asked"] = [];
  const answer = (query: Buffer, transport: "udp" | "tcp"): Buffer | undefined => {
    try {
      const q = dnsPacket.decode(query);
      const question = q.questions?.[0];
      if (!question) return undefined;
      asked.push({ name: question.name, type: question.type, transport });
      const known = question.name === zone || question.name.endsWith(`.${zone}`);
      const answers = known && question.type === "A" ? [{ type: "A" as const, name: question.name, ttl: 30, data: address }] : [];
      return dnsPacket.encode({ type: "response", id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3), questions: q.questions, answers });
    } catch {
      return undefined;
    }
  };
  const udp = createSocket("udp4");
  udp.on("message", (msg, from) => {
    const reply = answer(msg, "udp");
    if (reply) udp.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, host, () => resolve()));
  const port = udp.address().port;
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
      const reply = answer(buffered.subarray(2, 2 + buffered.readUInt16BE(0)), "tcp");
      buffered = Buffer.alloc(0);
      if (!reply) {
        socket.destroy();
        return;
      }
      const length = Buffer.alloc(2);
      length.writeUInt16BE(reply.length);
      socket.write(Buffer.concat([length, reply]));
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => resolve());
  });
  return {
    host,
    port,
    asked,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
