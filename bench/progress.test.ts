import assert from "node:assert/strict";
import { test } from "node:test";
import { Progress } from "./progress";

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, sink: { isTTY, write: (s: string) => out.push(s) } };
}

test("Progress on a terminal: one line rewritten in place, ended with a newline", () => {
  const { out, sink: s } = sink(true);
  const p = new Progress(s);
  p.begin("scheduler");
  p.step("creating nodes");
  p.update("10/20 bound");
  p.end();
  assert.deepEqual(out, ["\r\x1b[Kscheduler: creating nodes", "\r\x1b[Kscheduler: 10/20 bound", "\n"]);
});

test("Progress in a log: every step on its own line, live counts at most every quietMs", () => {
  const { out, sink: s } = sink(false);
  let now = 0;
  const p = new Progress(s, 10_000, () => now);
  p.begin("api");
  p.step("creates");
  now = 5_000;
  p.update("100 done"); // too soon after the step: not shown
  now = 12_000;
  p.update("200 done");
  p.end();
  assert.deepEqual(out, ["api: creates\n", "api: 200 done\n"]);
});
