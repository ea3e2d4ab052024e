import { test } from "node:test";
import assert from "node:assert/strict";
import * as os from "node:os";
import { CpuLoad, parseCpuLine, readMemory } from "./host-usage";

test("/proc/meminfo: MemTotal and MemAvailable in bytes", async () => {
  const m = await readMemory("MemTotal:        8000 kB\nMemFree:         1000 kB\nMemAvailable:    3000 kB\n");
  assert.deepEqual(m, { totalBytes: 8000 * 1024, availableBytes: 3000 * 1024 });
  const host = await readMemory();
  assert.equal(host.totalBytes, os.totalmem());
  assert.ok(host.availableBytes > 0 && host.availableBytes <= host.totalBytes);
});

test("/proc/stat: busy and total jiffies of the cpu line; load between samples", async () => {
  assert.deepEqual(parseCpuLine("cpu  10 2 3 80 5 1 1 0 0 0\ncpu0 1 1 1 1 1 1 1 1 1 1\n"), { busy: 17, total: 102 });
  const load = new CpuLoad();
  await load.sample();
  const f = await load.sample();
  assert.ok(f >= 0 && f <= 1, String(f));
});
