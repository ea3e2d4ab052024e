// One DNS message in, one out: decodes a query with dns-packet, answers it from the view
// (answer.ts) or hands it to the upstream resolvers, and encodes the reply to fit its transport.
//
//   - Never throws, whatever the bytes. Fewer than 12 bytes, or a message with the QR bit set
//     (a response: answering those would let two servers bounce packets forever) → no reply.
//     An opcode other than QUERY → NOTIMP; not exactly one question, any answer or authority
//     record, more than two additional ones (EDNS, a signature), or bytes that do not decode →
//     FORMERR; a class other than IN → REFUSED. The counts are checked before decoding: dns-packet
//     decodes every record a header announces, and a crafted header with thousands of chained
//     compression pointers would otherwise cost seconds of CPU.
//   - Forwarded queries travel byte for byte (EDNS options, DO bit and id included), over the
//     transport the client used, and the upstream's reply is returned as it came.
//   - UDP replies fit 512 bytes, or the client's EDNS buffer size (at most 1232, the size that
//     avoids fragmentation); what does not fit is dropped from the end (additionals first) and
//     TC is set if answers had to go, so the client asks again over TCP and gets everything.

import * as dnsPacket from "dns-packet";
import type { Answer, DecodedPacket, OptAnswer, Packet } from "dns-packet";
import { resolve, type Resolution } from "./answer";
import type { DnsView } from "./view";

export type Transport = "udp" | "tcp";

/** The upstream side: resolvers for names outside the cluster zone. */
export interface Upstream {
  /** The upstream's reply to `query` (its bytes, same id), or undefined when none answered. */
  forward(query: Buffer, transport: Transport): Promise<Buffer | undefined>;
}

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
type RcodeName = keyof typeof RCODES;
const QR = 0x80; // in the third byte of the header
const PLAIN_UDP_SIZE = 512;
export const MAX_UDP_SIZE = 1232;
const MAX_TCP_SIZE = 65535;

export class Responder {
  constructor(
    private readonly view: () => DnsView,
    /** Undefined: nothing is forwarded (REFUSED). */
    private readonly upstream: () => Upstream | undefined,
  ) {}

  async respond(query: Buffer, transport: Transport): Promise<Buffer | undefined> {
    if (query.length < 12 || (query[2] & QR) !== 0) return undefined;
    const id = query.readUInt16BE(0);
    if (((query[2] >> 3) & 0x0f) !== 0) return encodeError(id, query[2], "NOTIMP");
    const [questions, answers, authorities, additionals] = [4, 6, 8, 10].map((at) => query.readUInt16BE(at));
    if (questions !== 1 || answers !== 0 || authorities !== 0 || additionals > 2) return encodeError(id, query[2], "FORMERR");
    let decoded: DecodedPacket;
    try {
      decoded = dnsPacket.decode(query);
    } catch {
      return encodeError(id, query[2], "FORMERR");
    }
    try {
      return await this.answer(query, decoded, transport);
    } catch {
      return encodeError(id, query[2], "SERVFAIL");
    }
  }

  private async answer(query: Buffer, decoded: DecodedPacket, transport: Transport): Promise<Buffer | undefined> {
    const q = decoded.questions![0];
    if (q.class !== undefined && q.class !== "IN") return reply(decoded, "REFUSED", [], [], [], false, transport);

    const resolution = resolve({ name: q.name, type: q.type }, this.view());
    if (resolution.forward) {
      const upstream = this.upstream();
      if (!upstream) return reply(decoded, "REFUSED", [], [], [], false, transport);
      return (await upstream.forward(query, transport)) ?? reply(decoded, "SERVFAIL", [], [], [], false, transport);
    }
    const answers = [...resolution.answers, ...(await this.chase(resolution))];
    return reply(decoded, resolution.rcode, answers, resolution.authorities, resolution.additionals, true, transport);
  }

  /** The upstream's records for an ExternalName's target (none when it cannot tell). */
  private async chase(r: Resolution): Promise<Answer[]> {
    const upstream = this.upstream();
    if (!r.chase || !upstream) return [];
    const id = Math.floor(Math.random() * 65536);
    const query = dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: r.chase.name, type: r.chase.type, class: "IN" }] });
    const raw = await upstream.forward(query, "udp");
    if (!raw) return [];
    try {
      const got = dnsPacket.decode(raw);
      if (got.id !== id || (got as DecodedPacket & { rcode?: string }).rcode !== "NOERROR") return [];
      return (got.answers ?? []).filter((a) => a.type === "A" || a.type === "AAAA" || a.type === "CNAME");
    } catch {
      return [];
    }
  }
}

/** A reply with no question: for queries that could not be read. */
function encodeError(id: number, flagsHigh: number, rcode: RcodeName): Buffer {
  const rd = flagsHigh & 0x01 ? dnsPacket.RECURSION_DESIRED : 0;
  return dnsPacket.encode({ type: "response", id, flags: rd | dnsPacket.RECURSION_AVAILABLE | RCODES[rcode], questions: [] });
}

function reply(query: DecodedPacket, rcode: RcodeName, answers: Answer[], authorities: Answer[], additionals: Answer[], authoritative: boolean, transport: Transport): Buffer {
  const clientOpt = (query.additionals ?? []).find((a): a is OptAnswer => a.type === "OPT");
  const flags = (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | RCODES[rcode];
  const extra: Answer[] = clientOpt ? [...additionals, { type: "OPT", name: ".", udpPayloadSize: MAX_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : additionals;
  const response: Packet = { type: "response", id: query.id, flags, questions: query.questions, answers, authorities, additionals: extra };
  const limit = transport === "tcp" ? MAX_TCP_SIZE : clientOpt ? Math.min(Math.max(clientOpt.udpPayloadSize, PLAIN_UDP_SIZE), MAX_UDP_SIZE) : PLAIN_UDP_SIZE;
  return fit(response, limit);
}

/** Encodes `response` in at most `limit` bytes: additionals go first, then answers from the end (with TC). */
export function fit(response: Packet, limit: number): Buffer {
  const whole = dnsPacket.encode(response);
  if (whole.length <= limit) return whole;
  const opt = (response.additionals ?? []).filter((a) => a.type === "OPT");
  const trimmed: Packet = { ...response, additionals: opt };
  if (dnsPacket.encodingLength(trimmed) <= limit) return dnsPacket.encode(trimmed);
  const answers = response.answers ?? [];
  let size = dnsPacket.encodingLength({ ...trimmed, answers: [], authorities: [] });
  const kept: Answer[] = [];
  for (const a of answers) {
    const more = dnsPacket.encodingLength({ answers: [a] }) - 12;
    if (size + more > limit) break;
    kept.push(a);
    size += more;
  }
  return dnsPacket.encode({ ...trimmed, flags: (trimmed.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: kept, authorities: [] });
}
