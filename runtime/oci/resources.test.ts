import { test } from "node:test";
import assert from "node:assert/strict";
import { milliCpuToQuota, milliCpuToShares, ociResources } from "./resources";

test("cpu shares follow the kubelet: millis*1024/1000, minimum 2", () => {
  assert.equal(milliCpuToShares(undefined), 2);
  assert.equal(milliCpuToShares(0), 2);
  assert.equal(milliCpuToShares(1), 2);
  assert.equal(milliCpuToShares(100), 102);
  assert.equal(milliCpuToShares(250), 256);
  assert.equal(milliCpuToShares(1000), 1024);
  assert.equal(milliCpuToShares(1_000_000), 262_144);
});

test("cpu quota is limit*100000/1000 over a 100 ms period, minimum 1 ms", () => {
  assert.equal(milliCpuToQuota(500), 50_000);
  assert.equal(milliCpuToQuota(2000), 200_000);
  assert.equal(milliCpuToQuota(1), 1_000);
});

test("ociResources maps request, limit and memory", () => {
  assert.deepEqual(ociResources({}, { limitSwap: false }), { cpu: { shares: 2 } });
  assert.deepEqual(
    ociResources({ cpuRequestMillis: 250, cpuLimitMillis: 500, memoryLimitBytes: 64 << 20, memoryRequestBytes: 32 << 20 }, { limitSwap: false }),
    { cpu: { shares: 256, quota: 50_000, period: 100_000 }, memory: { limit: 64 << 20 } },
  );
  assert.deepEqual(ociResources({ memoryLimitBytes: 16 << 20 }, { limitSwap: true }), {
    cpu: { shares: 2 },
    memory: { limit: 16 << 20, swap: 16 << 20 },
  });
});
