import assert from "node:assert/strict";
import { test } from "node:test";
import zlib from "node:zlib";
import { controlFrame, dataFrame, decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, FrameReader, FrameType, SPDY3_DICTIONARY, u32 } from "./spdy-frames";

test("the SPDY/3 dictionary is the specified one (length, and the Adler-32 peers check)", () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  // A zlib stream primed with a dictionary names it by Adler-32 in its header (FDICT).
  const header = zlib.deflateSync(Buffer.from([0, 0, 0, 0]), { dictionary: SPDY3_DICTIONARY }).subarray(0, 6);
  assert.equal(header.toString("hex"), "78bbe3c6a7c2");
});

test("header blocks round-trip, names lowercased, NUL-separated values joined", () => {
  const block = encodeHeaderBlock({ StreamType: "data", port: "8080", requestID: "0" });
  assert.deepEqual(decodeHeaderBlock(block), { streamtype: "data", port: "8080", requestid: "0" });
  const multi = Buffer.concat([u32(1), u32(1), Buffer.from("a"), u32(3), Buffer.from("x\0y")]);
  assert.deepEqual(decodeHeaderBlock(multi), { a: "x,y" });
  assert.throws(() => decodeHeaderBlock(Buffer.concat([u32(1), u32(9), Buffer.from("ab")])), /truncated/);
});

test("frames are found across arbitrary chunk boundaries", () => {
  const bytes = Buffer.concat([
    controlFrame(FrameType.ping, 0, u32(7)),
    dataFrame(3, FLAG_FIN, Buffer.from("hello")),
    controlFrame(FrameType.rstStream, 0, u32(3, 5)),
  ]);
  const reader = new FrameReader();
  const frames = [];
  for (let i = 0; i < bytes.length; i += 3) frames.push(...reader.push(bytes.subarray(i, i + 3)));
  assert.deepEqual(frames, [
    { kind: "control", type: FrameType.ping, flags: 0, payload: u32(7) },
    { kind: "data", streamId: 3, flags: FLAG_FIN, data: Buffer.from("hello") },
    { kind: "control", type: FrameType.rstStream, flags: 0, payload: u32(3, 5) },
  ]);
  assert.deepEqual([...controlFrame(FrameType.ping, 0, u32(1)).subarray(0, 8)], [0x80, 3, 0, 6, 0, 0, 0, 4]);
  assert.throws(() => new FrameReader().push(Buffer.from([0x80, 2, 0, 6, 0, 0, 0, 0])), /version 2/);
});
