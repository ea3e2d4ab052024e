// The strict exposition-format reader the metrics end-to-end tests rely on: it must accept what
// prom-client writes and refuse what Prometheus would not take.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Histogram, Registry } from "prom-client";
import { parsePrometheusText, sampleSum } from "./prom-text";

test("reads prom-client's text: counters with escaped labels, histograms", async () => {
  const r = new Registry();
  new Counter({ name: "x_total", help: "a \\ help\nline", labelNames: ["path"], registers: [r] }).inc({ path: 'a"b\\c' }, 3);
  new Histogram({ name: "d_seconds", help: "d", buckets: [0.1, 1], registers: [r] }).observe(0.5);
  const f = parsePrometheusText(await r.metrics());
  assert.equal(f.get("x_total")?.type, "counter");
  assert.equal(f.get("x_total")?.help, "a \\ help\nline");
  assert.equal(sampleSum(f, "x_total", { path: 'a"b\\c' }), 3);
  assert.equal(sampleSum(f, "d_seconds_count"), 1);
  assert.equal(sampleSum(f, "d_seconds_bucket", { le: "1" }), 1);
});

test("refuses malformed exposition text", () => {
  const bad = [
    "x 1\n# TYPE x counter\n", // TYPE after the samples
    "# TYPE x counter\nx 1", // no final newline
    "# TYPE x counter\nx{a=b} 1\n", // unquoted label value
    "# TYPE x counter\nx{1a=\"b\"} 1\n", // bad label name
    "# TYPE x counter\nx one\n", // bad value
    "# TYPE x counter\nx{a=\"\\t\"} 1\n", // bad escape
    "# TYPE x counter\nx 1\nx 2\n", // repeated sample
    "# TYPE x counter\n# TYPE x gauge\n", // TYPE twice
    "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", // not cumulative
    "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n", // +Inf != count
  ];
  for (const text of bad) assert.throws(() => parsePrometheusText(text), Error, JSON.stringify(text));
});
