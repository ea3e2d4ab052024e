import assert from "node:assert/strict";
import { after, test } from "node:test";
import { MAX_NESTING_DEPTH } from "../../api/decode/nesting";
import { ApiError } from "../../api/errors";
import { YamlDecoder } from "./yaml-decoder";

const decoder = new YamlDecoder();
after(() => decoder.close());

const bytes = (s: string) => new TextEncoder().encode(s);

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail("expected an ApiError");
}

test("a body decodes on the worker into plain JSON values", async () => {
  assert.deepEqual(await decoder.decode(bytes("kind: ConfigMap\ndata: {mode: 0644}\n"), "the request body"), { kind: "ConfigMap", data: { mode: 420 } });
});

test("the worker decodes as deep as JSON may nest, and refuses one level more", async () => {
  const flow = (n: number) => "[".repeat(n) + "]".repeat(n);
  const block = (n: number) => Array.from({ length: n - 1 }, (_, i) => `${" ".repeat(i)}a:`).join("\n") + `\n${" ".repeat(n - 1)}b: 1\n`;
  assert.equal(((await decoder.decode(bytes(flow(MAX_NESTING_DEPTH)), "b")) as unknown[]).length, 1);
  assert.ok(await decoder.decode(bytes(block(MAX_NESTING_DEPTH)), "b"));
  assert.match((await apiError(decoder.decode(bytes(flow(MAX_NESTING_DEPTH + 1)), "the request body"))).message, /more than 1500 levels deep/);
  assert.match((await apiError(decoder.decode(bytes(block(MAX_NESTING_DEPTH + 1)), "the request body"))).message, /more than 1500 levels deep/);
});

test("a 3 MiB bomb is refused quickly; a slow body does not stall the main thread", async (t) => {
  let started = performance.now();
  assert.equal((await apiError(decoder.decode(bytes("[".repeat(3 * 1024 * 1024)), "b"))).code, 400);
  t.diagnostic(`3 MiB nesting bomb refused in ${Math.round(performance.now() - started)} ms`);

  // 100,000 short keys: the library needs seconds for this.
  const slow = "data:\n" + Array.from({ length: 100_000 }, (_, i) => `  k${i}: v`).join("\n");
  let worstGap = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
  }, 10);
  started = performance.now();
  const decoded = (await decoder.decode(bytes(slow), "b")) as { data: Record<string, string> };
  clearInterval(ticker);
  assert.equal(Object.keys(decoded.data).length, 100_000);
  t.diagnostic(`100,000 keys decoded in ${Math.round(performance.now() - started)} ms; the main thread's longest pause was ${Math.round(worstGap)} ms`);
  assert.ok(worstGap < 500, `main thread paused ${worstGap} ms`);
});

test("bodies queue behind each other and each gets its own answer", async () => {
  const answers = await Promise.allSettled([decoder.decode(bytes("a: 1"), "b"), decoder.decode(bytes("a: ["), "b"), decoder.decode(bytes("a: 3"), "b")]);
  assert.deepEqual(answers[0], { status: "fulfilled", value: { a: 1 } });
  assert.equal(answers[1].status, "rejected");
  assert.deepEqual(answers[2], { status: "fulfilled", value: { a: 3 } });
});
