import assert from "node:assert/strict";
import { test } from "node:test";
import { Channel, errorStatus, exitCodeStatus, frame, parseClientFrame, selectProtocol, successStatus, V4, V5 } from "./channel-protocol";

test("v5 is preferred, v4 accepted, older or foreign protocols refused", () => {
  assert.equal(selectProtocol([V5]), V5);
  assert.equal(selectProtocol(["v4.channel.k8s.io", " v5.channel.k8s.io"]), V5);
  assert.equal(selectProtocol([V4, "channel.k8s.io"]), V4);
  assert.equal(selectProtocol(["v3.channel.k8s.io", "base64.channel.k8s.io"]), undefined);
  assert.equal(selectProtocol(["SPDY/3.1+portforward.k8s.io"]), undefined);
});

test("frames carry the channel in the first byte", () => {
  assert.deepEqual([...frame(Channel.stdout, "hi")], [1, 0x68, 0x69]);
  assert.deepEqual([...frame(Channel.stderr, Buffer.from([0, 255]))], [2, 0, 255]);
  assert.deepEqual([...frame(Channel.status, "")], [3]);
});

test("client frames: stdin, resize, the v5 close signal", () => {
  assert.deepEqual(parseClientFrame(Buffer.from([0, 0x61, 0x0a]), V5), { kind: "stdin", data: Buffer.from("a\n") });
  assert.deepEqual(parseClientFrame(Buffer.from([0]), V5), { kind: "stdin", data: Buffer.alloc(0) });
  assert.deepEqual(parseClientFrame(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":120,"Height":40}')]), V5), { kind: "resize", width: 120, height: 40 });
  assert.equal(parseClientFrame(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":-1,"Height":40}')]), V5).kind, "ignored");
  assert.equal(parseClientFrame(Buffer.concat([Buffer.from([4]), Buffer.from("not json")]), V5).kind, "ignored");
  assert.deepEqual(parseClientFrame(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":0,"Height":0}')]), V5), { kind: "resize", width: 0, height: 0 }, "exec-bridge decides what a 0x0 terminal means");
  assert.deepEqual(parseClientFrame(Buffer.from([255, 0]), V5), { kind: "close", channel: 0 });
  assert.equal(parseClientFrame(Buffer.from([255, 0]), V4).kind, "ignored", "v4 has no close signal");
  assert.equal(parseClientFrame(Buffer.from([1, 0x61]), V5).kind, "ignored", "stdout is the server's channel");
  assert.equal(parseClientFrame(Buffer.alloc(0), V5).kind, "ignored");
});

test("statuses are what kubectl turns into its exit code", () => {
  assert.deepEqual(successStatus(), { metadata: {}, status: "Success" });
  const failed = exitCodeStatus(3, ["sh", "-c", "exit 3"]);
  assert.equal(failed.status, "Failure");
  assert.equal(failed.reason, "NonZeroExitCode");
  assert.deepEqual(failed.details, { causes: [{ reason: "ExitCode", message: "3" }] });
  assert.match(failed.message!, /exit code 3$/);
  const err = errorStatus('container "app" is not running');
  assert.equal(err.status, "Failure");
  assert.notEqual(err.reason, "NonZeroExitCode");
});
