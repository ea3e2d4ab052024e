// The DNS server over real UDP and TCP sockets on loopback, with a fake upstream resolver the
// test starts itself (no query ever reaches a real resolver).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import * as dnsPacket from "dns-packet";
import { Forwarder } from "./forwarder";
import { Responder } from "./responder";
import { DnsServer } from "./server";
import { CLUSTER_RANGES, fixtureCatalog } from "./testing/catalog-fixture";
import { decodeReply, framed, queryPacket, tcpExchange, udpExchange, type Reply } from "./testing/client";
import { startFakeUpstream, type FakeUpstream } from "./testing/fake-upstream";
import { CatalogDnsView } from "./view";

const HOST = "127.0.0.1";
let upstream: FakeUpstream;
let server: DnsServer;
let noUpstream: DnsServer;
let deadUpstream: DnsServer;
const errors: unknown[] = [];

const view = new CatalogDnsView(fixtureCatalog(60), () => ({ clusterDomain: "cluster.local", clusterRanges: CLUSTER_RANGES }));

async function udp(name: string, type: string, extra = {}): Promise<{ reply: Reply; size: number }> {
  const raw = await udpExchange(HOST, server.port, queryPacket(name, type, extra));
  assert.ok(raw, `no UDP reply to ${name} ${type}`);
  return { reply: decodeReply(raw), size: raw.length };
}

async function tcp(name: string, type: string): Promise<Reply> {
  const { replies } = await tcpExchange(HOST, server.port, framed(queryPacket(name, type)));
  assert.equal(replies.length, 1, `no TCP reply to ${name} ${type}`);
  return decodeReply(replies[0]);
}

const data = (r: Reply) => (r.answers ?? []).map((a) => `${a.type} ${String((a as { data: unknown }).data)}`);

before(async () => {
  upstream = await startFakeUpstream(HOST, "example.test", "192.0.2.10");
  const start = async (up: Forwarder | undefined, idleMs = 10_000) => {
    const s = new DnsServer(
      new Responder(
        () => view,
        () => up,
      ),
      { address: HOST, port: 0, idleMs, onError: (e) => errors.push(e) },
    );
    await s.start();
    return s;
  };
  server = await start(new Forwarder([{ host: upstream.host, port: upstream.port }]), 500);
  noUpstream = await start(undefined);
  // An upstream that does not answer: a port nothing listens on (ours, just closed).
  const closed = await start(undefined);
  const deadPort = closed.port;
  await closed.stop();
  deadUpstream = await start(new Forwarder([{ host: HOST, port: deadPort }], { timeoutMs: 200 }));
});

after(async () => {
  await server?.stop();
  await noUpstream?.stop();
  await deadUpstream?.stop();
  await upstream?.stop();
});

describe("cluster DNS over UDP and TCP", () => {
  test("answers cluster names over UDP: id, question, AA, RA and RD as a resolver expects", async () => {
    const query = queryPacket("web.prod.svc.cluster.local", "A");
    const raw = await udpExchange(HOST, server.port, query);
    const reply = decodeReply(raw!);
    assert.equal(reply.id, query.readUInt16BE(0));
    assert.equal(reply.type, "response");
    assert.ok(reply.flag_aa && reply.flag_ra && reply.flag_rd && !reply.flag_tc);
    assert.deepEqual(reply.questions, [{ name: "web.prod.svc.cluster.local", type: "A", class: "IN" }]);
    assert.deepEqual(data(reply), ["A 10.96.5.5"]);
    assert.equal((reply.answers![0] as { ttl: number }).ttl, 5);
  });

  test("NXDOMAIN carries the SOA in the authority section", async () => {
    const { reply } = await udp("missing.prod.svc.cluster.local", "A");
    assert.equal(reply.rcode, "NXDOMAIN");
    assert.deepEqual(reply.answers, []);
    assert.equal(reply.authorities?.[0].type, "SOA");
    assert.equal(reply.authorities?.[0].name, "cluster.local");
  });

  test("the same answers over TCP, several queries on one connection answered in order", async () => {
    assert.deepEqual(data(await tcp("kubernetes.default.svc.cluster.local", "A")), ["A 10.96.0.1"]);
    const q1 = queryPacket("web.prod.svc.cluster.local", "A");
    const q2 = queryPacket("_pg._tcp.db.prod.svc.cluster.local", "SRV");
    const q3 = queryPacket("5.5.96.10.in-addr.arpa", "PTR");
    const { replies } = await tcpExchange(HOST, server.port, framed(q1, q2, q3), 3);
    assert.deepEqual(replies.map((r) => decodeReply(r).id), [q1, q2, q3].map((q) => q.readUInt16BE(0)));
    assert.equal(decodeReply(replies[1]).answers?.length, 3);
    assert.deepEqual(data(decodeReply(replies[2])), ["PTR web.prod.svc.cluster.local"]);
  });

  test("large answers: TC over UDP within 512 bytes (or the EDNS size, at most 1232), everything over TCP", async () => {
    const plain = await udp("big.prod.svc.cluster.local", "A");
    assert.ok(plain.reply.flag_tc, "truncated");
    assert.ok(plain.size <= 512, `${plain.size} bytes`);
    assert.ok((plain.reply.answers?.length ?? 0) > 0 && (plain.reply.answers?.length ?? 0) < 60);

    const edns = await udp("big.prod.svc.cluster.local", "A", { additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] });
    assert.ok(edns.reply.flag_tc && edns.size <= 1232 && edns.size > 512, `${edns.size} bytes`);
    assert.equal(edns.reply.additionals?.find((a) => a.type === "OPT")?.type, "OPT", "EDNS is answered with EDNS");

    const full = await tcp("big.prod.svc.cluster.local", "A");
    assert.ok(!full.flag_tc);
    assert.equal(full.answers?.length, 60);
  });

  test("names outside the cluster go to the upstream, over the client's transport, byte for byte", async () => {
    const before = upstream.asked.length;
    const { reply } = await udp("www.example.test", "A");
    assert.deepEqual(data(reply), ["A 192.0.2.10"]);
    assert.equal((reply.answers![0] as { ttl: number }).ttl, 30, "the upstream's own reply");
    assert.deepEqual(data(await tcp("api.example.test", "A")), ["A 192.0.2.10"]);
    assert.equal((await udp("nothing.invalid", "A")).reply.rcode, "NXDOMAIN");
    assert.deepEqual(upstream.asked.slice(before), [
      { name: "www.example.test", type: "A", transport: "udp" },
      { name: "api.example.test", type: "A", transport: "tcp" },
      { name: "nothing.invalid", type: "A", transport: "udp" },
    ]);
  });

  test("an ExternalName's CNAME comes with the upstream's records of its target", async () => {
    const { reply } = await udp("ext.prod.svc.cluster.local", "A");
    assert.deepEqual(data(reply), ["CNAME db.example.test", "A 192.0.2.10"]);
  });

  test("reverse names of the cluster ranges never go upstream", async () => {
    const before = upstream.asked.length;
    assert.equal((await udp("99.99.244.10.in-addr.arpa", "PTR")).reply.rcode, "NXDOMAIN");
    assert.equal(upstream.asked.length, before);
  });

  test("no upstream configured: REFUSED; an upstream that does not answer: SERVFAIL", async () => {
    const refused = await udpExchange(HOST, noUpstream.port, queryPacket("www.example.test", "A"));
    assert.equal(decodeReply(refused!).rcode, "REFUSED");
    assert.deepEqual(data(decodeReply((await udpExchange(HOST, noUpstream.port, queryPacket("web.prod.svc.cluster.local", "A")))!)), ["A 10.96.5.5"]);
    const failed = await udpExchange(HOST, deadUpstream.port, queryPacket("www.example.test", "A"));
    assert.equal(decodeReply(failed!).rcode, "SERVFAIL");
  });

  test("malformed queries: FORMERR, NOTIMP, or no reply at all; never a crash", async () => {
    const id = 0x1234;
    const noQuestion = dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [] });
    assert.equal(decodeReply((await udpExchange(HOST, server.port, noQuestion))!).rcode, "FORMERR");
    const status = queryPacket("web.prod.svc.cluster.local", "A");
    status[2] |= 2 << 3; // opcode STATUS
    assert.equal(decodeReply((await udpExchange(HOST, server.port, status))!).rcode, "NOTIMP");
    const garbage = Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]), Buffer.from([0x3f, 0x61])]);
    const formerr = decodeReply((await udpExchange(HOST, server.port, garbage))!);
    assert.equal(formerr.rcode, "FORMERR");
    assert.equal(formerr.id, 0x1234);
    const response = dnsPacket.encode({ type: "response", id, questions: [{ name: "web.prod.svc.cluster.local", type: "A" }] });
    assert.equal(await udpExchange(HOST, server.port, response, 300), undefined, "responses are never answered");
    assert.equal(await udpExchange(HOST, server.port, Buffer.from([1, 2, 3]), 300), undefined, "shorter than a header: dropped");
  });

  test("fuzz: random and truncated packets over UDP and TCP leave the server answering", async () => {
    const valid = queryPacket("_http._tcp.web.prod.svc.cluster.local", "SRV", {
      additionals: [{ type: "OPT", name: ".", udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: true, options: [] }],
    });
    const sent: Promise<unknown>[] = [];
    for (let cut = 0; cut < valid.length; cut++) sent.push(udpExchange(HOST, server.port, valid.subarray(0, cut), 200));
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(Math.floor(Math.random() * 700));
      if (bytes.length > 2 && i % 2 === 0) bytes[2] &= 0x7f; // more of them look like queries
      sent.push(udpExchange(HOST, server.port, bytes, 200));
    }
    for (let i = 0; i < 200; i++) {
      const flipped = Buffer.from(valid);
      flipped[Math.floor(Math.random() * flipped.length)] ^= 1 << Math.floor(Math.random() * 8);
      flipped[2] &= 0x7f;
      sent.push(udpExchange(HOST, server.port, flipped, 200));
    }
    await Promise.all(sent);
    const tcpJunk = await Promise.all([
      tcpExchange(HOST, server.port, randomBytes(3000), 1, 1500),
      tcpExchange(HOST, server.port, framed(Buffer.from([1, 2, 3])), 1, 1500),
      tcpExchange(HOST, server.port, framed(valid.subarray(0, 20)), 1, 1500),
    ]);
    assert.equal(tcpJunk[1].closed, true, "a message shorter than a header closes the connection");
    assert.equal(tcpJunk[2].replies.length, 1, `a truncated query over TCP: ${JSON.stringify({ closed: tcpJunk[2].closed })}`);
    assert.equal(decodeReply(tcpJunk[2].replies[0]).rcode, "FORMERR");
    assert.deepEqual(data((await udp("web.prod.svc.cluster.local", "A")).reply), ["A 10.96.5.5"]);
    assert.deepEqual(data(await tcp("web.prod.svc.cluster.local", "A")), ["A 10.96.5.5"]);
    assert.deepEqual(errors, []);
  });

  test("a header announcing thousands of records with chained compression pointers costs no time", async () => {
    const count = 10_900; // as many as a 64 KiB TCP message holds
    const header = Buffer.alloc(12);
    header.writeUInt16BE(0x4242, 0);
    header.writeUInt16BE(0x0100, 2);
    header.writeUInt16BE(count, 4);
    const first = Buffer.from([1, 0x61, 0, 0, 1, 0, 1]); // "a" IN A, at offset 12
    const rest: Buffer[] = [];
    for (let i = 1, previous = 12; i < count; i++) {
      rest.push(Buffer.from([0xc0 | (previous >> 8), previous & 0xff, 0, 1, 0, 1])); // a pointer to the name before
      previous = 12 + first.length + (i - 1) * 6;
    }
    const packet = Buffer.concat([header, first, ...rest]);
    const responder = new Responder(
      () => view,
      () => undefined,
    );
    const started = performance.now();
    const reply = await responder.respond(packet, "tcp");
    const ms = performance.now() - started;
    assert.equal(decodeReply(reply!).rcode, "FORMERR");
    assert.ok(ms < 20, `answered in ${ms.toFixed(1)} ms (decoding every announced record costs tens of ms per message: a CPU flood)`);
    const { replies } = await tcpExchange(HOST, server.port, framed(packet), 1, 5000);
    assert.equal(decodeReply(replies[0]).rcode, "FORMERR");
  });

  test("an address that does not exist yet: start() rejects and leaves no socket open (NodeDns retries it)", async () => {
    const fds = () => readdirSync("/proc/self/fd").length;
    const before = fds();
    for (let i = 0; i < 20; i++) {
      const s = new DnsServer(
        new Responder(
          () => view,
          () => undefined,
        ),
        { address: "192.0.2.1", port: 0 },
      );
      await assert.rejects(s.start(), { code: "EADDRNOTAVAIL" });
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(fds() <= before + 2, `${fds() - before} descriptors more than before`);
  });

  test("TCP: a huge length prefix with a short body is closed when idle", async () => {
    const started = Date.now();
    const r = await tcpExchange(HOST, server.port, Buffer.concat([Buffer.from([0xff, 0xff]), randomBytes(100)]), 1, 5000);
    assert.equal(r.closed, true);
    assert.equal(r.replies.length, 0);
    assert.ok(Date.now() - started < 3000, "closed after the idle time (500 ms here)");
    assert.deepEqual(data(await tcp("web.prod.svc.cluster.local", "A")), ["A 10.96.5.5"]);
  });
});
