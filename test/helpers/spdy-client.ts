// A small SPDY/3.1 client for tests: the upgrade request, then streams opened with headers,
// written, half-closed and read, as client-go's spdystream does it, plus the things client-go
// never does on purpose (stop reading, drop the connection, write after the end). Framing and
// header compression come from the server's own modules; what this adds is the client's half:
// odd stream ids, SYN_STREAM out, SYN_REPLY in.

import { readFileSync } from "node:fs";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import zlib from "node:zlib";
import { controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, FrameReader, FrameType, SPDY3_DICTIONARY, u32, type Frame } from "../../master/apiserver/streaming/spdy-frames";
import { parse as parseYaml } from "yaml";
import { ZlibContext } from "../../master/apiserver/streaming/spdy-session";

/** The admin kubeconfig's CA and client certificate, for raw TLS clients. */
export function credentialsOf(kubeconfigPath: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  const kc = parseYaml(readFileSync(kubeconfigPath, "utf8")) as {
    clusters: { cluster: Record<string, string> }[];
    users: { user: Record<string, string> }[];
  };
  const b64 = (v: string | undefined) => Buffer.from(v ?? "", "base64");
  return { ca: b64(kc.clusters[0].cluster["certificate-authority-data"]), cert: b64(kc.users[0].user["client-certificate-data"]), key: b64(kc.users[0].user["client-key-data"]) };
}

export interface SpdyUpgrade {
  server: string;
  path: string;
  /** X-Stream-Protocol-Version values, in preference order. */
  protocols: string[];
  creds: { ca: Buffer; cert: Buffer; key: Buffer };
}

export interface ClientStream {
  id: number;
  data: Buffer[];
  /** The server half-closed it. */
  ended: boolean;
  reset: boolean;
}

export type UpgradeAnswer = { ok: true; client: SpdyClient; protocol: string } | { ok: false; status: number; body: string };

/** POSTs the upgrade; a 101 gives a client, anything else the status and body. */
export function spdyUpgrade(u: SpdyUpgrade): Promise<UpgradeAnswer> {
  const url = new URL(u.server);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: url.hostname, port: Number(url.port), ...u.creds });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      const status = Number(lines[0].split(" ")[1]);
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      const rest = head.subarray(end + 4);
      if (status !== 101) {
        let body = rest.toString();
        socket.on("data", (c: Buffer) => (body += c.toString()));
        socket.on("close", () => resolve({ ok: false, status, body }));
        return;
      }
      resolve({ ok: true, client: new SpdyClient(socket, rest), protocol: headers["x-stream-protocol-version"] ?? "" });
    };
    socket.on("data", onData);
    socket.on("error", reject);
    socket.on("secureConnect", () => {
      socket.write(
        `POST ${u.path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n` +
          u.protocols.map((p) => `X-Stream-Protocol-Version: ${p}\r\n`).join("") +
          "Content-Length: 0\r\n\r\n",
      );
    });
  });
}

export class SpdyClient {
  private readonly reader = new FrameReader();
  private readonly deflate = new ZlibContext(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }));
  private readonly inflate = new ZlibContext(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
  private readonly streams = new Map<number, ClientStream>();
  private readonly replies = new Map<number, () => void>();
  private queue: Promise<void> = Promise.resolve();
  private nextId = 1;
  private waiters: (() => void)[] = [];
  goneAway = false;
  closed = false;

  constructor(readonly socket: TLSSocket, early: Buffer) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("close", () => {
      this.closed = true;
      this.notify();
    });
    socket.on("error", () => undefined);
    if (early.length > 0) this.receive(early);
  }

  /** Opens a stream (SYN_STREAM) and waits for the server's SYN_REPLY. */
  async open(headers: Record<string, string>): Promise<ClientStream> {
    const id = this.nextId;
    this.nextId += 2;
    const stream: ClientStream = { id, data: [], ended: false, reset: false };
    this.streams.set(id, stream);
    const replied = new Promise<void>((resolve) => this.replies.set(id, resolve));
    const block = await this.deflate.process(encodeHeaderBlock(headers));
    // stream id, associated stream id, priority and slot, then the header block.
    this.socket.write(controlFrame(FrameType.synStream, 0, Buffer.concat([u32(id, 0), Buffer.from([0, 0]), block])));
    await Promise.race([replied, this.until(() => this.closed || stream.reset)]);
    return stream;
  }

  write(stream: ClientStream, data: Buffer): boolean {
    return this.socket.write(dataFrame(stream.id, 0, data));
  }

  /** Half-closes the stream, as client-go's Close() does for stdin. */
  end(stream: ClientStream): void {
    this.socket.write(dataFrame(stream.id, FLAG_FIN, Buffer.alloc(0)));
  }

  text(stream: ClientStream): string {
    return Buffer.concat(stream.data).toString();
  }

  /** Resolves when `done()` holds, checked after every frame and when the connection closes. */
  until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (done()) resolve();
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch {
      this.socket.destroy();
      return;
    }
    for (const f of frames) {
      this.queue = this.queue.then(() => this.handle(f)).then(
        () => this.notify(),
        () => void this.socket.destroy(),
      );
    }
  }

  private async handle(f: Frame): Promise<void> {
    if (f.kind === "data") {
      const s = this.streams.get(f.streamId);
      if (!s) return;
      if (f.data.length > 0) s.data.push(f.data);
      if (f.flags & FLAG_FIN) s.ended = true;
      return;
    }
    if (f.type === FrameType.synReply || f.type === FrameType.headers || f.type === FrameType.synStream) {
      const offset = f.type === FrameType.synStream ? 10 : 4;
      decodeHeaderBlock(await this.inflate.process(f.payload.subarray(offset)));
      if (f.type === FrameType.synReply) this.replies.get(f.payload.readUInt32BE(0) & 0x7fffffff)?.();
    } else if (f.type === FrameType.rstStream) {
      const s = this.streams.get(f.payload.readUInt32BE(0) & 0x7fffffff);
      if (s) s.reset = true;
    } else if (f.type === FrameType.goAway) {
      this.goneAway = true;
    } else if (f.type === FrameType.ping) {
      this.socket.write(controlFrame(FrameType.ping, 0, f.payload));
    }
  }
}
