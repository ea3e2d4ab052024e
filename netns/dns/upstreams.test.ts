import { test } from "node:test";
import assert from "node:assert/strict";
import { parseUpstream, upstreamsFromFlags, upstreamsFromResolvConf } from "./upstreams";

test("--dns-upstream: ip, ip:port, [v6]:port, v6; none forwards nothing; absent means the default", () => {
  assert.deepEqual(upstreamsFromFlags(["10.0.0.2", "10.0.0.3:5353", "[fd00::2]:5300", "fd00::3"]), [
    { host: "10.0.0.2", port: 53 },
    { host: "10.0.0.3", port: 5353 },
    { host: "fd00::2", port: 5300 },
    { host: "fd00::3", port: 53 },
  ]);
  assert.deepEqual(upstreamsFromFlags(["none"]), []);
  assert.equal(upstreamsFromFlags([]), undefined);
  assert.equal(upstreamsFromFlags(undefined), undefined);
  for (const bad of ["bogus", "10.0.0.2:0", "10.0.0.2:70000", "10.0.0.2:x", "example.com:53", "[fd00::2]:"]) {
    assert.throws(() => parseUpstream(bad), /--dns-upstream .* is not an IP address with an optional port/, bad);
  }
});

test("default upstreams: the host's nameservers except loopback, link-local with a zone, and cluster addresses", () => {
  const conf = "# comment\nnameserver 127.0.0.53\nnameserver 10.96.0.10\nnameserver 192.0.2.53\nnameserver ::1\nnameserver fe80::1%eth0\nnameserver 2001:db8::53\nsearch example.test\n";
  assert.deepEqual(upstreamsFromResolvConf(conf, ["10.244.0.0/16", "10.96.0.0/12"]), [
    { host: "192.0.2.53", port: 53 },
    { host: "2001:db8::53", port: 53 },
  ]);
  assert.deepEqual(upstreamsFromResolvConf("", []), []);
});
