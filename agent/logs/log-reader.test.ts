import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { streamLogs, type LogOptions } from "./log-reader";

const entry = (sec: number, stream: string, tag: string, text: string) => `2025-01-01T00:00:${String(sec).padStart(2, "0")}.000000001Z ${stream} ${tag} ${text}\n`;
const LOG = [
  entry(1, "stdout", "F", "one"),
  entry(2, "stderr", "F", "two (stderr)"),
  entry(3, "stdout", "P", "thr"),
  entry(3, "stderr", "F", "interleaved"),
  entry(4, "stdout", "F", "ee"),
  entry(5, "stdout", "F", ""),
  entry(6, "stdout", "F", "six"),
].join("");

async function withLog(t: { after: (fn: () => Promise<void>) => void }, content: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-logs-"));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "0.log");
  await fs.writeFile(file, content);
  return file;
}

async function read(file: string, opts: Partial<LogOptions>): Promise<string> {
  const chunks: Buffer[] = [];
  await streamLogs(file, { follow: false, timestamps: false, ...opts }, { write: (b) => void chunks.push(b) }, async () => true);
  return Buffer.concat(chunks).toString();
}

test("partial entries join into one line; stdout and stderr interleave in write order", async (t) => {
  const file = await withLog(t, LOG);
  assert.equal(await read(file, {}), "one\ntwo (stderr)\ninterleaved\nthree\n\nsix\n");
});

test("tail, since, timestamps and limitBytes", async (t) => {
  const file = await withLog(t, LOG);
  assert.equal(await read(file, { tailLines: 2 }), "\nsix\n");
  assert.equal(await read(file, { tailLines: 0 }), "");
  assert.equal(await read(file, { sinceMs: Date.parse("2025-01-01T00:00:03Z") }), "interleaved\nthree\n\nsix\n");
  assert.equal(await read(file, { tailLines: 1, timestamps: true }), "2025-01-01T00:00:06.000000001Z six\n");
  assert.equal(await read(file, { limitBytes: 6 }), "one\ntw");
});

test("follow sends new lines as they are written and ends once the container has exited", async (t) => {
  const file = await withLog(t, entry(1, "stdout", "F", "first"));
  let running = true;
  const chunks: string[] = [];
  const done = streamLogs(file, { follow: true, timestamps: false }, { write: (b) => void chunks.push(b.toString()) }, async () => !running);
  await new Promise((r) => setTimeout(r, 300));
  await fs.appendFile(file, entry(2, "stdout", "F", "second"));
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(chunks, ["first\n", "second\n"]);
  await fs.appendFile(file, entry(3, "stdout", "F", "last words"));
  running = false;
  await done;
  assert.deepEqual(chunks, ["first\n", "second\n", "last words\n"]);
});

test("follow stops when the client goes away", async (t) => {
  const file = await withLog(t, entry(1, "stdout", "F", "first"));
  const abort = new AbortController();
  const chunks: string[] = [];
  const done = streamLogs(file, { follow: true, timestamps: false }, { write: (b) => void chunks.push(b.toString()), signal: abort.signal }, async () => false);
  await new Promise((r) => setTimeout(r, 300));
  abort.abort();
  await done;
  assert.deepEqual(chunks, ["first\n"]);
});

test("a missing log file reads as empty", async () => {
  assert.equal(await read("/nonexistent/gantry/0.log", {}), "");
});

test("follow survives a rotation (file replaced)", async (t) => {
  const file = await withLog(t, entry(1, "stdout", "F", "old"));
  let running = true;
  const chunks: string[] = [];
  const done = streamLogs(file, { follow: true, timestamps: false }, { write: (b) => void chunks.push(b.toString()) }, async () => !running);
  await new Promise((r) => setTimeout(r, 300));
  await fs.rename(file, `${file}.1`);
  await fs.writeFile(file, entry(2, "stdout", "F", "new"));
  await new Promise((r) => setTimeout(r, 500));
  running = false;
  await done;
  assert.deepEqual(chunks, ["old\n", "new\n"]);
});
