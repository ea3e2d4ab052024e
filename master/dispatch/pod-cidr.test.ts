import assert from "node:assert/strict";
import { test } from "node:test";
import { PodCidrAllocator, PodCidrPool } from "./pod-cidr";

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

test("the pool hands out the lowest range no node or reservation holds, and takes back what is let go", () => {
  const pool = new PodCidrPool(new PodCidrAllocator("10.10.0.0/22", 24));
  assert.equal(pool.lowestFree(), "10.10.0.0/24");
  pool.set("a", ["10.10.0.0/24"]);
  pool.set("b", ["10.10.2.0/24"]);
  assert.equal(pool.lowestFree(), "10.10.1.0/24");
  pool.set("\0reserved 10.10.1.0/24", ["10.10.1.0/24"]);
  assert.equal(pool.lowestFree(), "10.10.3.0/24");
  // The node shows the reserved range: held twice, free only when both let go.
  pool.set("c", ["10.10.1.0/24"]);
  pool.set("\0reserved 10.10.1.0/24", []);
  pool.set("d", ["10.10.3.0/24"]);
  assert.equal(pool.lowestFree(), undefined);
  pool.set("c", []);
  assert.equal(pool.lowestFree(), "10.10.1.0/24");
  // A node that changes ranges frees the old one; ranges outside the cluster CIDR never count.
  pool.set("c", ["10.10.1.0/24"]);
  pool.set("a", ["10.11.0.0/24"]);
  assert.equal(pool.lowestFree(), "10.10.0.0/24");
});

test("the pool agrees with a full scan over the same ranges", () => {
  const allocator = new PodCidrAllocator("10.244.0.0/16", 24);
  const pool = new PodCidrPool(allocator);
  const holders = new Map<string, string[]>();
  let seed = 7;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let step = 0; step < 2000; step++) {
    const holder = `node-${rand(300)}`;
    const cidrs = rand(3) === 0 ? [] : [allocator.cidrAt(rand(260))];
    pool.set(holder, cidrs);
    if (cidrs.length > 0) holders.set(holder, cidrs);
    else holders.delete(holder);
    assert.equal(pool.lowestFree(), allocator.allocate([...holders.values()].flat()), `step ${step}`);
  }
});
