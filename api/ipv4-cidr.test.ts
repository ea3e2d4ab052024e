import assert from "node:assert/strict";
import { test } from "node:test";
import { Ipv4Cidr, ipv4ToNumber, numberToIpv4 } from "./ipv4-cidr";

test("parse masks host bits, refuses what is not an IPv4 CIDR", () => {
  assert.equal(String(Ipv4Cidr.parse("10.244.1.7/24")), "10.244.1.0/24");
  assert.equal(String(Ipv4Cidr.parse("10.96.0.0/12")), "10.96.0.0/12");
  assert.equal(String(Ipv4Cidr.parse("0.0.0.0/0")), "0.0.0.0/0");
  for (const bad of ["10.244.0.0", "10.244.0.0/33", "10.244.0/16", "fd00::/64", "10.244.0.0/", "10.256.0.0/16", "x/8"]) {
    assert.equal(Ipv4Cidr.parse(bad), undefined, bad);
  }
});

test("addresses, offsets, containment and overlap", () => {
  const r = Ipv4Cidr.parse("10.244.1.0/24")!;
  assert.equal(r.size, 256);
  assert.equal(r.addressAt(1), "10.244.1.1");
  assert.equal(r.addressAt(255), "10.244.1.255");
  assert.throws(() => r.addressAt(256), RangeError);
  assert.equal(r.offsetOf("10.244.1.10"), 10);
  assert.equal(r.offsetOf("10.244.2.0"), undefined);
  assert.ok(r.contains("10.244.1.0"));
  assert.ok(!r.contains("10.244.0.255"));
  const cluster = Ipv4Cidr.parse("10.244.0.0/16")!;
  const services = Ipv4Cidr.parse("10.96.0.0/12")!;
  assert.ok(cluster.overlaps(r) && r.overlaps(cluster));
  assert.ok(!cluster.overlaps(services));
  assert.equal(services.addressAt(10), "10.96.0.10");
});

test("numbers round-trip at the edges of the address space", () => {
  assert.equal(ipv4ToNumber("255.255.255.255"), 0xffffffff);
  assert.equal(numberToIpv4(0xffffffff), "255.255.255.255");
  assert.equal(numberToIpv4(ipv4ToNumber("10.0.0.1")!), "10.0.0.1");
  assert.equal(ipv4ToNumber("::1"), undefined);
});
