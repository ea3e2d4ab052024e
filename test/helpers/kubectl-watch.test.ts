import assert from "node:assert/strict";
import { test } from "node:test";
import { splitJsonStream } from "./kubectl-watch";

test("splitJsonStream returns complete objects (compact or pretty-printed) and keeps the partial rest", () => {
  // Braces and escaped quotes inside strings must not count.
  const a = JSON.stringify({ type: "ADDED", object: { metadata: { name: "a", note: '} "{' } } });
  const b = JSON.stringify({ type: "DELETED", object: { metadata: { name: "b" } } }, null, 4);
  const stream = `${a}\n${b}\n`;
  const cut = stream.length - 10;
  const first = splitJsonStream(stream.slice(0, cut));
  assert.deepEqual(first.objects.map((o) => (o as { type: string }).type), ["ADDED"]);
  assert.equal((first.objects[0] as { object: { metadata: { note: string } } }).object.metadata.note, '} "{');
  const second = splitJsonStream(first.rest + stream.slice(cut));
  assert.deepEqual(second.objects.map((o) => (o as { object: { metadata: { name: string } } }).object.metadata.name), ["b"]);
  assert.equal(second.rest, "");
});
