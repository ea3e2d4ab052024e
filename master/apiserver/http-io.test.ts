import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { ApiError } from "../../api/errors";
import { readBody } from "./http-io";

/** A request body stream with headers, enough of an IncomingMessage for readBody. */
function fakeRequest(chunks: Buffer[], headers: Record<string, string> = {}): IncomingMessage & Readable {
  return Object.assign(Readable.from(chunks, { objectMode: false }), { headers }) as unknown as IncomingMessage & Readable;
}

test("readBody joins the chunks of a body", async () => {
  const body = await readBody(fakeRequest([Buffer.from('{"a":'), Buffer.from("1}")]));
  assert.equal(body.toString(), '{"a":1}');
  assert.equal((await readBody(fakeRequest([]))).length, 0);
});

test("readBody refuses a declared length over the limit before reading", async () => {
  const req = fakeRequest([Buffer.from("0123456789")], { "content-length": "10" });
  await assert.rejects(readBody(req, 5), (err: unknown) => err instanceof ApiError && err.code === 413 && /10 bytes, more than the limit of 5 bytes/.test(err.message));
});

test("readBody refuses an undeclared body once it passes the limit", async () => {
  const req = fakeRequest([Buffer.from("0123"), Buffer.from("4567"), Buffer.from("89")]);
  await assert.rejects(readBody(req, 6), (err: unknown) => err instanceof ApiError && err.code === 413 && /more than the limit of 6 bytes/.test(err.message));
});

test("readBody of a request already read to the end is empty", async () => {
  const req = fakeRequest([Buffer.from("x")]);
  await readBody(req);
  assert.equal((await readBody(req)).length, 0);
});

test("readBody fails when the stream fails or closes early", async () => {
  const failing = new Readable({ read() {} });
  const req = Object.assign(failing, { headers: {} }) as unknown as IncomingMessage;
  const reading = readBody(req);
  failing.push("partial");
  failing.destroy(new Error("connection reset"));
  await assert.rejects(reading, /connection reset/);

  const closing = new Readable({ read() {} });
  const reading2 = readBody(Object.assign(closing, { headers: {} }) as unknown as IncomingMessage);
  closing.destroy();
  await assert.rejects(reading2, /Premature close/);
});
