// A SPDY/3.1 server connection over any byte stream (an upgraded TLS socket, or a WebSocket
// tunnel): streams the client opens, PING answered, GOAWAY and RST_STREAM honoured. Header
// blocks go through one zlib context per direction for the whole connection, so frames are
// handled strictly in arrival order through an async queue. No flow control: kubectl's
// spdystream neither sends WINDOW_UPDATE nor enforces windows.

import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import zlib from "node:zlib";
import {
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FrameReader,
  FrameType,
  parseSynStream,
  RstStatus,
  SPDY3_DICTIONARY,
  u32,
  type Frame,
} from "./spdy-frames";

/** A header block may inflate to at most this much; a compressed block can expand a
 *  thousandfold, so without a cap one small frame could take all our memory. */
const MAX_HEADER_BLOCK_BYTES = 256 * 1024;

/** After end(), how long a connection may make no progress before it is dropped. */
const END_IDLE_MS = 30_000;

/** One zlib stream (one per direction of a connection), fed a block at a time; each result is
 *  what that block produced. Exported for the tests' SPDY client. */
export class ZlibContext {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly out: Buffer[] = [];
  private outBytes = 0;

  constructor(private readonly z: zlib.Inflate | zlib.Deflate) {
    z.on("data", (c: Buffer) => {
      this.outBytes += c.length;
      if (this.outBytes > MAX_HEADER_BLOCK_BYTES) z.destroy(new Error(`a SPDY header block inflates to more than ${MAX_HEADER_BLOCK_BYTES} bytes`));
      else this.out.push(c);
    });
    z.on("error", () => undefined);
  }

  process(block: Buffer): Promise<Buffer> {
    const run = () =>
      new Promise<Buffer>((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        this.z.once("error", onError);
        this.z.write(block);
        this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          this.z.off("error", onError);
          // Output of the flush may still be on its way through the stream's 'data' events.
          setImmediate(() => {
            this.outBytes = 0;
            if (this.z.destroyed) reject(new Error("the SPDY header compression context failed"));
            else resolve(Buffer.concat(this.out.splice(0)));
          });
        });
      });
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  close(): void {
    this.z.destroy();
  }
}

export interface SpdyStreamEvents {
  data: [Buffer];
  /** The client half-closed (FIN). */
  end: [];
  /** Reset by the client, or the connection went away. */
  reset: [];
}

export class SpdyStream extends EventEmitter<SpdyStreamEvents> {
  private localClosed = false;
  remoteClosed = false;

  constructor(
    readonly id: number,
    readonly headers: Record<string, string>,
    private readonly session: SpdySession,
  ) {
    super();
  }

  /** False when the connection's send buffer is full: wait for the session's "drain". */
  write(data: Buffer): boolean {
    if (this.localClosed || data.length === 0) return true;
    let room = true;
    // Frames carry at most 2^24-1 bytes.
    for (let at = 0; at < data.length; at += 0xffff) room = this.session.send(dataFrame(this.id, 0, data.subarray(at, at + 0xffff)));
    return room;
  }

  /** Half-close: FIN on an empty data frame. */
  end(): void {
    if (this.localClosed) return;
    this.localClosed = true;
    this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
    this.session.maybeForget(this);
  }

  reset(status: number = RstStatus.cancel): void {
    if (this.localClosed && this.remoteClosed) return;
    this.localClosed = true;
    this.remoteClosed = true;
    this.session.send(controlFrame(FrameType.rstStream, 0, u32(this.id, status)));
    this.session.maybeForget(this);
  }

  get closed(): boolean {
    return this.localClosed && this.remoteClosed;
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  /** The connection can take more after a send() returned false. */
  drain: [];
  close: [];
}

export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private readonly reader = new FrameReader();
  private readonly inflate = new ZlibContext(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
  private readonly deflate = new ZlibContext(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY }));
  private readonly streams = new Map<number, SpdyStream>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private lastStreamId = 0;

  constructor(private readonly conn: Duplex) {
    super();
    conn.on("data", (chunk: Buffer) => {
      if (this.closed) return;
      let frames: Frame[];
      try {
        frames = this.reader.push(chunk);
      } catch {
        this.close();
        return;
      }
      for (const f of frames) this.queue = this.queue.then(() => this.handle(f)).catch(() => this.close());
    });
    conn.on("drain", () => this.emit("drain"));
    conn.on("close", () => this.close());
    conn.on("end", () => this.close());
    conn.on("error", () => this.close());
  }

  /** False when the connection's send buffer is full (the client reads slower than we send). */
  send(bytes: Buffer): boolean {
    if (this.closed || !this.conn.writable) return true;
    return this.conn.write(bytes);
  }

  /** Stops reading from the client (every stream of the connection) until resume(). SPDY
   *  streams share one connection, and kubectl's spdystream has no per-stream windows. */
  pause(): void {
    this.conn.pause();
  }

  resume(): void {
    if (!this.closed) this.conn.resume();
  }

  maybeForget(s: SpdyStream): void {
    if (s.closed) this.streams.delete(s.id);
  }

  /**
   * Accepts a stream: SYN_REPLY with an empty header block. Replies go out in the order asked
   * for. Never rejects (callers do not await it): if the header compression fails, the connection
   * closes and the answer is false.
   */
  async reply(s: SpdyStream): Promise<boolean> {
    try {
      const block = await this.deflate.process(encodeHeaderBlock({}));
      this.send(controlFrame(FrameType.synReply, 0, Buffer.concat([u32(s.id), block])));
      return !this.closed;
    } catch {
      this.close();
      return false;
    }
  }

  /**
   * Ends the connection after what is queued has been sent: GOAWAY, then our half of the
   * connection closes and the client closes its own. A client that stops reading has
   * END_IDLE_MS without progress before the connection is dropped.
   */
  end(): void {
    if (this.closed) return;
    this.send(controlFrame(FrameType.goAway, 0, u32(this.lastStreamId, 0)));
    this.closed = true;
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    this.conn.resume();
    this.conn.end();
    const socket = this.conn as Partial<Pick<Socket, "setTimeout">>;
    if (typeof socket.setTimeout === "function") socket.setTimeout(END_IDLE_MS, () => this.conn.destroy());
    else setTimeout(() => this.conn.destroy(), END_IDLE_MS).unref();
    this.emit("close");
  }

  close(): void {
    if (this.closed) return;
    this.send(controlFrame(FrameType.goAway, 0, u32(this.lastStreamId, 0)));
    this.closed = true;
    for (const s of this.streams.values()) {
      s.remoteClosed = true;
      s.emit("reset");
    }
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    this.conn.end();
    this.conn.destroy();
    this.emit("close");
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    if (f.kind === "data") {
      const s = this.streams.get(f.streamId);
      if (!s) {
        this.send(controlFrame(FrameType.rstStream, 0, u32(f.streamId, RstStatus.invalidStream)));
        return;
      }
      if (f.data.length > 0) s.emit("data", f.data);
      if (f.flags & FLAG_FIN) this.remoteEnd(s);
      return;
    }
    switch (f.type) {
      case FrameType.synStream: {
        const { streamId, headerBlockOffset } = parseSynStream(f.payload);
        const headers = decodeHeaderBlock(await this.inflate.process(f.payload.subarray(headerBlockOffset)));
        if (this.streams.has(streamId)) {
          this.send(controlFrame(FrameType.rstStream, 0, u32(streamId, RstStatus.streamInUse)));
          return;
        }
        this.lastStreamId = Math.max(this.lastStreamId, streamId);
        const s = new SpdyStream(streamId, headers, this);
        this.streams.set(streamId, s);
        this.emit("stream", s);
        if (f.flags & FLAG_FIN) this.remoteEnd(s);
        return;
      }
      case FrameType.headers:
      case FrameType.synReply:
        // Keep the shared zlib context in step even though nothing here needs these headers.
        await this.inflate.process(f.payload.subarray(4));
        return;
      case FrameType.rstStream: {
        const s = this.streams.get(f.payload.readUInt32BE(0) & 0x7fffffff);
        if (s) {
          s.remoteClosed = true;
          this.streams.delete(s.id);
          s.emit("reset");
        }
        return;
      }
      case FrameType.ping:
        this.send(controlFrame(FrameType.ping, 0, f.payload));
        return;
      case FrameType.goAway:
        this.close();
        return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown types need no answer.
        return;
    }
  }

  private remoteEnd(s: SpdyStream): void {
    if (s.remoteClosed) return;
    s.remoteClosed = true;
    s.emit("end");
    this.maybeForget(s);
  }
}
