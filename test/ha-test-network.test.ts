// The test-host helper HA tests stand on: hosts reach each other over the test bridge, nothing
// leaves (blackhole default route), the root namespace gets no interfaces, destroy() removes
// everything including processes, and the sweeper removes only stale test namespaces.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { createTestNet, sweepStaleTestNetworks, testNetCreatedAt } from "./helpers/netns-hosts";

const namespaces = () => execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
const rootLinks = () => execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });

test("two hosts talk over the test bridge; the default route is a blackhole; destroy removes namespaces and processes", async () => {
  const linksBefore = rootLinks();
  const net = await createTestNet(["a", "b"]);
  try {
    const [a, b] = net.hosts;
    assert.match(a.address, /^10\.250\.\d+\.1$/);
    assert.match(b.address, /^10\.250\.\d+\.2$/);
    assert.equal(rootLinks(), linksBefore, "no interface appeared in the root namespace");

    const server = a.spawn(process.execPath, ["-e", `require("net").createServer((s) => s.end("hello from a")).listen(7000, "${a.address}", () => console.log("listening"))`], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => server.stdout!.once("data", () => resolve()));
    const client = await b.exec(process.execPath, ["-e", `require("net").connect(7000, "${a.address}").on("data", (d) => process.stdout.write(d))`], { timeoutMs: 10_000 });
    assert.equal(client.stdout, "hello from a");

    const route = await a.exec("ip", ["route", "get", "1.1.1.1"]);
    assert.notEqual(route.code, 0, "no route off the machine");
    assert.match(route.stderr, /No route to host|unreachable|Invalid argument/i);

    // A cut link isolates the host; restoring it heals.
    b.setLink(false);
    const cut = await b.exec(process.execPath, ["-e", `require("net").connect(7000, "${a.address}").on("error", (e) => { console.log(e.code); process.exit(0) }); setTimeout(() => { console.log("TIMEOUT"); process.exit(0) }, 1500)`]);
    assert.match(cut.stdout, /TIMEOUT|EHOSTUNREACH/);
    b.setLink(true);
    const healed = await b.exec(process.execPath, ["-e", `require("net").connect(7000, "${a.address}").on("data", (d) => process.stdout.write(d))`], { timeoutMs: 10_000 });
    assert.equal(healed.stdout, "hello from a");

    await net.destroy();
    assert.ok(server.exitCode !== null || server.signalCode !== null, "the server was killed");
    assert.ok(!namespaces().includes(net.id), "namespaces deleted");
  } finally {
    await net.destroy();
  }
});

test("the sweeper deletes gtest- namespaces older than an hour and keeps young and foreign ones", () => {
  const old = `gtest-${Math.floor((Date.now() - 2 * 3600_000) / 1000).toString(36)}-beef-1`;
  const young = `gtest-${Math.floor(Date.now() / 1000).toString(36)}-cafe-1`;
  execFileSync("ip", ["netns", "add", old]);
  execFileSync("ip", ["netns", "add", young]);
  try {
    assert.equal(testNetCreatedAt("gantry-other"), undefined);
    assert.ok(Math.abs(testNetCreatedAt(young)! - Date.now()) < 2000);
    const swept = sweepStaleTestNetworks();
    assert.ok(swept.includes(old));
    assert.ok(!swept.includes(young));
    const list = namespaces();
    assert.ok(!list.includes(old));
    assert.ok(list.includes(young));
  } finally {
    for (const ns of [old, young]) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {
        // already gone
      }
    }
  }
});
