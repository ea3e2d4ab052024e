import assert from "node:assert/strict";
import { test } from "node:test";
import { formatTable, summarize } from "./summary";

test("summarize: each headline number next to its same-run reference; missing numbers are left out", () => {
  const rows = summarize("api", { create: { objectsPerSecond: 500 }, etcdPut: { putsPerSecond: 1000 }, list: {} });
  assert.deepEqual(
    rows.map((r) => [r.metric, r.value, r.reference]),
    [["creates/s", 500, 1000]],
  );
  assert.deepEqual(summarize("unknown-benchmark", { a: 1 }), []);
});

test("summarize failover: takeover p50/max and lost writes, which have no reference", () => {
  const rows = summarize("failover", { takeoverSeconds: { p50: 2.4, max: 3.1 }, lostWrites: 0 });
  assert.deepEqual(
    rows.map((r) => [r.metric, r.value, r.reference]),
    [
      ["takeover p50", 2.4, undefined],
      ["takeover max", 3.1, undefined],
      ["acknowledged writes lost", 0, undefined],
    ],
  );
});

test("formatTable: aligned columns and the ratio ours/reference", () => {
  const table = formatTable([
    { benchmark: "api", metric: "creates/s", value: 500, unit: "objects/s", reference: 1000, referenceName: "raw etcd puts/s" },
    { benchmark: "runtime", metric: "agent RSS", value: 61.5, unit: "MiB" },
  ]);
  const lines = table.trimEnd().split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[2], /^api\s+creates\/s\s+500 objects\/s\s+1000 \(raw etcd puts\/s\)\s+0\.500×$/);
  assert.match(lines[3], /^runtime\s+agent RSS\s+61\.5 MiB$/);
  assert.equal(lines[0].indexOf("metric"), lines[2].indexOf("creates/s"));
});
