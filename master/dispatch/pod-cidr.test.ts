import assert from "node:assert/strict";
import { test } from "node:test";
import { PodCidrAllocator } from "./pod-cidr";

test("node ranges are handed out lowest first, skipping taken ones", () => {
  const a = new PodCidrAllocator("10.244.0.0/16", 24);
  assert.equal(a.capacity, 256);
  assert.equal(a.allocate([]), "10.244.0.0/24");
  assert.equal(a.allocate(["10.244.0.0/24", "10.244.2.0/24"]), "10.244.1.0/24");
  assert.equal(a.allocate(["10.244.0.0/24", "10.244.1.0/24"]), "10.244.2.0/24");
  assert.equal(a.cidrAt(255), "10.244.255.0/24");
});

test("ranges outside the cluster CIDR or of another size do not count as taken", () => {
  const a = new PodCidrAllocator("10.244.0.0/16", 24);
  assert.equal(a.indexOf("10.245.0.0/24"), undefined);
  assert.equal(a.indexOf("10.244.0.0/25"), undefined);
  assert.equal(a.indexOf("10.244.7.0/24"), 7);
  assert.equal(a.allocate(["10.245.0.0/24", "10.244.0.0/23", "garbage"]), "10.244.0.0/24");
});

test("a full cluster CIDR allocates nothing", () => {
  const a = new PodCidrAllocator("10.10.0.0/22", 24);
  const used = [0, 1, 2, 3].map((i) => a.cidrAt(i));
  assert.deepEqual(used, ["10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/24", "10.10.3.0/24"]);
  assert.equal(a.allocate(used), undefined);
});

test("bad configuration is refused with the reason", () => {
  assert.throws(() => new PodCidrAllocator("10.244.0.0", 24), /not an IPv4 CIDR/);
  assert.throws(() => new PodCidrAllocator("10.244.0.0/16", 8), /must be between \/16/);
});
