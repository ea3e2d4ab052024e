import assert from "node:assert/strict";
import { test } from "node:test";
import { errorStatus, exitCodeStatus, successStatus } from "./channel-protocol";
import { errorStreamPayload, expectedStreams, negotiateSpdyExecProtocol, ResizeDecoder, SPDY_V2, SPDY_V3, SPDY_V4, SPDY_V5, StreamCollector } from "./spdy-remotecommand";

test("negotiation takes the client's first protocol we speak; v1 alone is not enough", () => {
  // kubectl 1.20 offers v4, v3, v2, v1 in that order; 1.32's fallback starts with v5.
  assert.equal(negotiateSpdyExecProtocol([SPDY_V4, SPDY_V3, SPDY_V2, "channel.k8s.io"]), SPDY_V4);
  assert.equal(negotiateSpdyExecProtocol([SPDY_V5, SPDY_V4]), SPDY_V5);
  assert.equal(negotiateSpdyExecProtocol(["v9.channel.k8s.io", ` ${SPDY_V2}`]), SPDY_V2);
  assert.equal(negotiateSpdyExecProtocol(["channel.k8s.io"]), undefined);
  assert.equal(negotiateSpdyExecProtocol([]), undefined);
});

test("the streams a session waits for: error always, one per requested channel, resize with a TTY from v3", () => {
  const sorted = (s: Set<string>) => [...s].sort();
  assert.deepEqual(sorted(expectedStreams(SPDY_V4, { stdin: false, stdout: true, stderr: true, tty: false })), ["error", "stderr", "stdout"]);
  assert.deepEqual(sorted(expectedStreams(SPDY_V4, { stdin: true, stdout: true, stderr: false, tty: true })), ["error", "resize", "stdin", "stdout"]);
  assert.deepEqual(sorted(expectedStreams(SPDY_V3, { stdin: true, stdout: true, stderr: false, tty: true })), ["error", "resize", "stdin", "stdout"]);
  assert.deepEqual(sorted(expectedStreams(SPDY_V2, { stdin: true, stdout: true, stderr: false, tty: true })), ["error", "stdin", "stdout"], "v2 has no resize stream");
  assert.deepEqual(sorted(expectedStreams(SPDY_V4, { stdin: false, stdout: true, stderr: true, tty: true })), ["error", "resize", "stdout"], "no stderr stream with a TTY");
});

test("stream pairing: each expected type once; unknown and second streams are refused", () => {
  const c = new StreamCollector<number>(expectedStreams(SPDY_V4, { stdin: true, stdout: true, stderr: false, tty: false }));
  assert.deepEqual(c.accept("error", 1), { ok: true });
  assert.equal(c.complete, false);
  assert.deepEqual(c.accept("resize", 3), { ok: false, reason: 'unexpected stream type "resize"' });
  assert.deepEqual(c.accept(undefined, 5), { ok: false, reason: 'unexpected stream type ""' });
  assert.deepEqual(c.accept("stdout", 7), { ok: true });
  assert.deepEqual(c.accept("stdout", 9), { ok: false, reason: "a second stdout stream" });
  assert.deepEqual(c.accept("stdin", 11), { ok: true });
  assert.equal(c.complete, true);
  assert.equal(c.get("stdout"), 7);
  assert.deepEqual(c.all().sort((x, y) => x - y), [1, 7, 11]);
});

test("the error stream: a JSON Status from v4 on (exit codes survive), plain text before, nothing on success", () => {
  const failed = exitCodeStatus(3, ["sh", "-c", "exit 3"]);
  for (const v of [SPDY_V5, SPDY_V4]) {
    assert.deepEqual(JSON.parse(errorStreamPayload(v, failed)!.toString()), failed);
    assert.deepEqual(JSON.parse(errorStreamPayload(v, successStatus())!.toString()), { metadata: {}, status: "Success" });
  }
  for (const v of [SPDY_V3, SPDY_V2]) {
    assert.equal(errorStreamPayload(v, failed)!.toString(), "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3");
    assert.equal(errorStreamPayload(v, successStatus()), undefined);
    assert.equal(errorStreamPayload(v, errorStatus("the agent is gone"))!.toString(), "the agent is gone");
  }
});

test("the resize stream: JSON values split anywhere; decoding stops at the first malformed one", () => {
  const d = new ResizeDecoder();
  assert.deepEqual(d.push(Buffer.from('{"Width":80,')), []);
  assert.deepEqual(d.push(Buffer.from('"Height":24}\n{"Width":100,"Height":30}\n{"Wid')), [
    { width: 80, height: 24 },
    { width: 100, height: 30 },
  ]);
  assert.deepEqual(d.push(Buffer.from('th":1,"Height":2}')), [{ width: 1, height: 2 }]);
  assert.deepEqual(d.push(Buffer.from('{"Width":-1,"Height":2}\n{"Width":5,"Height":5}')), [], "a negative size ends the stream's sizes");
  assert.deepEqual(d.push(Buffer.from('{"Width":5,"Height":5}')), []);
  const flood = new ResizeDecoder();
  assert.deepEqual(flood.push(Buffer.alloc(8192, 0x7b)), [], "an unterminated value is not buffered without bound");
  assert.deepEqual(flood.push(Buffer.from('}{"Width":5,"Height":5}')), []);
  assert.deepEqual(new ResizeDecoder().push(Buffer.from("garbage")), []);
});
