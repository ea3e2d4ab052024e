// A DNS client for tests: one query over UDP or TCP, the raw reply or its decoding.

import * as dnsPacket from "dns-packet";
import type { DecodedPacket, Packet } from "dns-packet";
import { createSocket } from "node:dgram";
import { connect } from "node:net";

/** Sends `message` over UDP; resolves with the first reply, or undefined after `timeoutMs`. */
export function udpExchange(host: string, port: number, message: Buffer, timeoutMs = 2000): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    const finish = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.on("error", () => finish(undefined));
    socket.on("message", (msg) => finish(msg));
    socket.send(message, port, host);
  });
}

/** Writes `bytes` on a TCP connection and collects `count` length-prefixed replies (fewer if it closes). */
export function tcpExchange(host: string, port: number, bytes: Buffer, count = 1, timeoutMs = 3000): Promise<{ replies: Buffer[]; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const replies: Buffer[] = [];
    let buffered = Buffer.alloc(0);
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ replies, closed });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        replies.push(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (replies.length >= count) finish();
    });
  });
}

export function framed(...messages: Buffer[]): Buffer {
  return Buffer.concat(
    messages.map((m) => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(m.length);
      return Buffer.concat([length, m]);
    }),
  );
}

export function queryPacket(name: string, type: string, extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({ type: "query", id: Math.floor(Math.random() * 65536), flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as "A", class: "IN" }], ...extra });
}

export type Reply = DecodedPacket & { rcode: string };

export function decodeReply(buf: Buffer): Reply {
  return dnsPacket.decode(buf) as Reply;
}
