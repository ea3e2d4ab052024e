import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  CriAssembler,
  formatCriLine,
  formatRfc3339Nano,
  parseCriLine,
  parseRfc3339Nano,
  readCriLog,
  type CriLogMessage,
  type ReadCriLogOptions,
} from "./cri-log";

test("parseRfc3339Nano handles zones and fractions", () => {
  assert.equal(parseRfc3339Nano("1970-01-01T00:00:01Z"), 1_000_000_000n);
  assert.equal(parseRfc3339Nano("1970-01-01T00:00:00.000000001Z"), 1n);
  assert.equal(parseRfc3339Nano("1970-01-01T01:00:00.5+01:00"), 500_000_000n);
  assert.equal(parseRfc3339Nano("1969-12-31T23:00:00-01:00"), 0n);
  assert.equal(parseRfc3339Nano("2026-11-22T00:08:09.050699655+00:00"), BigInt(Date.UTC(2026, 10, 22, 0, 8, 9)) * 1_000_000n + 50_699_655n);
  assert.throws(() => parseRfc3339Nano("yesterday"), /RFC 3339/);
  assert.equal(formatRfc3339Nano(parseRfc3339Nano("2026-11-22T00:08:09.050699655+00:00")), "2026-11-22T00:08:09.050699655Z");
});

test("parseCriLine reads conmon's lines, including empty and space-led content", () => {
  const l = parseCriLine(Buffer.from("2026-11-22T00:08:09.050699655+00:00 stdout F hello world"));
  assert.equal(l.time, "2026-11-22T00:08:09.050699655+00:00");
  assert.equal(l.stream, "stdout");
  assert.equal(l.partial, false);
  assert.equal(l.content.toString(), "hello world");
  assert.equal(parseCriLine(Buffer.from("2026-11-22T00:08:09Z stderr P  x")).content.toString(), " x");
  assert.equal(parseCriLine(Buffer.from("2026-11-22T00:08:09Z stderr P  x")).partial, true);
  assert.equal(parseCriLine(Buffer.from("2026-11-22T00:08:09Z stdout F ")).content.length, 0);
  assert.throws(() => parseCriLine(Buffer.from("2026-11-22T00:08:09Z stdin F x")), /unknown stream/);
  assert.throws(() => parseCriLine(Buffer.from("garbage")), /malformed/);
});

test("CriAssembler joins fragments per stream and flushes the unfinished", () => {
  const a = new CriAssembler();
  const line = (t: number, s: "stdout" | "stderr", p: boolean, c: string) => parseCriLine(formatCriLine(formatRfc3339Nano(BigInt(t)), s, p, c).subarray(0, -1));
  assert.equal(a.push(line(1, "stdout", true, "hel")), undefined);
  assert.equal(a.push(line(2, "stderr", true, "ERR")), undefined);
  const m = a.push(line(3, "stdout", false, "lo")) as CriLogMessage;
  assert.equal(m.content.toString(), "hello");
  assert.equal(m.timeNs, 1n);
  assert.equal(m.partial, false);
  assert.equal(a.push(line(4, "stderr", false, "!"))?.content.toString(), "ERR!");
  a.push(line(5, "stdout", true, "tail"));
  assert.deepEqual(a.flush().map((x) => [x.content.toString(), x.partial]), [["tail", true]]);
  assert.deepEqual(a.flush(), []);
});

async function logFile(t: { after(fn: () => Promise<void>): void }, lines: Buffer[]): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-crilog-"));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "container.log");
  await fs.writeFile(file, Buffer.concat(lines));
  return file;
}

const at = (sec: number) => formatRfc3339Nano(BigInt(sec) * 1_000_000_000n);

async function collect(file: string, opts: ReadCriLogOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const m of readCriLog(file, opts)) out.push(`${m.stream}:${m.content.toString()}${m.partial ? "…" : ""}`);
  return out;
}

test("readCriLog: whole file, stream filter, since, and the unfinished last message", async (t) => {
  const file = await logFile(t, [
    formatCriLine(at(1), "stdout", false, "one"),
    formatCriLine(at(2), "stderr", true, "tw"),
    formatCriLine(at(3), "stdout", false, "three"),
    formatCriLine(at(4), "stderr", false, "o"),
    Buffer.from("not a cri line\n"),
    formatCriLine(at(5), "stdout", true, "no newline yet"),
  ]);
  assert.deepEqual(await collect(file), ["stdout:one", "stdout:three", "stderr:two", "stdout:no newline yet…"]);
  assert.deepEqual(await collect(file, { stream: "stderr" }), ["stderr:two"]);
  assert.deepEqual(await collect(file, { since: at(3) }), ["stdout:three", "stdout:no newline yet…"]);
  assert.deepEqual(await collect(file, { since: new Date(2500) }), ["stdout:three", "stdout:no newline yet…"]);
});

test("readCriLog: tail counts whole messages, across chunk boundaries, per stream", async (t) => {
  const lines: Buffer[] = [];
  for (let i = 0; i < 3000; i++) {
    const s = i % 3 === 0 ? "stderr" : "stdout";
    // every 10th message is split in two fragments
    if (i % 10 === 0) lines.push(formatCriLine(at(i), s, true, `msg-${i}-`));
    lines.push(formatCriLine(at(i), s, false, `${i % 10 === 0 ? "end" : `msg-${i}`}-${"x".repeat(40)}`));
  }
  const file = await logFile(t, lines);
  assert.ok((await fs.stat(file)).size > 3 * 64 * 1024);
  const last = await collect(file, { tailLines: 5 });
  assert.deepEqual(
    last.map((l) => l.split("-").slice(0, 2).join("-")),
    ["stdout:msg-2995", "stdout:msg-2996", "stderr:msg-2997", "stdout:msg-2998", "stdout:msg-2999"],
  );
  const lastErr = await collect(file, { tailLines: 2, stream: "stderr" });
  assert.deepEqual(lastErr.map((l) => l.split("-").slice(0, 2).join("-")), ["stderr:msg-2994", "stderr:msg-2997"]);
  const joined = await collect(file, { tailLines: 11 });
  assert.equal(joined[0].split("-").slice(0, 2).join("-"), "stdout:msg-2989");
  assert.ok(joined.includes(`stdout:msg-2990-end-${"x".repeat(40)}`));
  assert.equal((await collect(file, { tailLines: 100_000 })).length, 3000);
  assert.deepEqual(await collect(file, { tailLines: 0 }), []);
});

test("readCriLog: tail ignores an unterminated last line and copes with tiny files", async (t) => {
  const file = await logFile(t, [formatCriLine(at(1), "stdout", false, "a"), formatCriLine(at(2), "stdout", false, "b"), Buffer.from(`${at(3)} stdout F torn`)]);
  assert.deepEqual(await collect(file, { tailLines: 1 }), ["stdout:b"]);
  const empty = await logFile(t, []);
  assert.deepEqual(await collect(empty, { tailLines: 3 }), []);
});

test("readCriLog: follow sees appends, survives rotation and truncation, stops on request", async (t) => {
  const file = await logFile(t, [formatCriLine(at(1), "stdout", false, "before")]);
  const got: string[] = [];
  let stop = false;
  const reader = (async () => {
    for await (const m of readCriLog(file, { follow: true, pollMs: 10, stopWhen: () => stop })) got.push(m.content.toString());
  })();
  const waitFor = async (n: number) => {
    for (let i = 0; i < 500 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(got.length >= n, `expected ${n} messages, have ${JSON.stringify(got)}`);
  };
  await waitFor(1);
  await fs.appendFile(file, Buffer.concat([formatCriLine(at(2), "stdout", true, "spl"), formatCriLine(at(2), "stdout", false, "it")]));
  await waitFor(2);
  // Rotate as log-rotation.ts does: rename away, a new file appears at the path. The last
  // line written to the old file before the switch must not be lost.
  await fs.rename(file, `${file}.1`);
  await fs.writeFile(file, ""); // placeholder: the reader must not switch to it yet
  await new Promise((r) => setTimeout(r, 50));
  // The writer still appends to the old file after the rename, until it reopens.
  await fs.appendFile(`${file}.1`, formatCriLine(at(3), "stdout", false, "last in old"));
  await new Promise((r) => setTimeout(r, 50));
  await fs.writeFile(file, formatCriLine(at(4), "stdout", false, "first in new"));
  await waitFor(4);
  // Truncation in place (conmon's own --log-size-max behaviour) restarts at offset 0.
  await fs.writeFile(file, formatCriLine(at(5), "stdout", false, "x"));
  await waitFor(5);
  await fs.appendFile(file, formatCriLine(at(6), "stdout", false, "written just before stop"));
  stop = true;
  await reader;
  assert.deepEqual(got, ["before", "split", "last in old", "first in new", "x", "written just before stop"]);
});

test("readCriLog: follow ends on abort", async (t) => {
  const file = await logFile(t, [formatCriLine(at(1), "stdout", false, "a")]);
  const ac = new AbortController();
  const got: string[] = [];
  const reader = (async () => {
    for await (const m of readCriLog(file, { follow: true, signal: ac.signal, pollMs: 5000 })) got.push(m.content.toString());
  })();
  await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  ac.abort();
  await reader;
  assert.ok(Date.now() - t0 < 1000, "abort interrupts the poll sleep");
  assert.deepEqual(got, ["a"]);
});
