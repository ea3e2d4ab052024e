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

test("summarize runtime: pod start against overlay mount + runc run, the burst, both pulls, idle agent CPU", () => {
  const rows = summarize("runtime", {
    podStart: { oursMs: { p50: 300, p99: 500 }, rawRuncRunMs: { p50: 90, p99: 120 }, rawOverlayMountPlusRuncRunMs: { p50: 100, p99: 150 } },
    batchStart: { pods: 49, allRunningMs: 2900 },
    pull: { busybox: { oursMs: { median: 80 }, reference: { medianMs: 100 } }, big: { randomMiB: 50, oursMs: { median: 900 }, reference: { medianMs: 1000 } } },
    footprint: { pods: 100, agentCpu: { percentOfOneCore: 1.5 } },
  });
  assert.deepEqual(
    rows.map((r) => [r.metric, r.value, r.reference]),
    [
      ["pod start p50", 300, 100],
      ["pod start p99", 500, 150],
      ["49 pods at once → all running", 2900, undefined],
      ["pull busybox", 80, 100],
      ["pull 50 MiB", 900, 1000],
      ["agent CPU, 100 idle pods", 1.5, undefined],
    ],
  );
});
