// The node's cluster DNS inside a test network namespace: a NodeDns (what the agent runs) told
// its pod CIDR before the gateway address exists, then the address appears on a bridge named
// `gantry0` the test makes (as the node network makes it), and busybox's nslookup asks it on
// port 53 — Services, headless endpoints, SRV, PTR, NXDOMAIN, and names forwarded to a fake
// upstream resolver inside the same namespace. Nothing leaves the namespace; destroying it
// removes the bridge and every process.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { createTestNet, type TestHost, type TestNet } from "./helpers/netns-hosts";
import { waitFor } from "./helpers/wait";

const FIXTURE = path.resolve(__dirname, "../netns/dns/testing/serve-node-dns.js");
const GATEWAY = "10.244.7.1";

let net: TestNet | undefined;
let host: TestHost;
let child: ChildProcess | undefined;
let output = "";

async function nslookup(...args: string[]): Promise<string> {
  const r = await host.exec("busybox", ["nslookup", ...args, GATEWAY], { timeoutMs: 15_000 });
  return `${r.stdout}${r.stderr}`;
}

before(async () => {
  net = await createTestNet(["n1"]);
  host = net.host("n1");
  child = host.spawn(process.execPath, [FIXTURE, "10.244.7.0/24", "53"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await waitFor("the fake upstream", () => /upstream \d+/.test(output), 20_000);
  // The server is configured but cannot listen yet: its address does not exist.
  await new Promise((r) => setTimeout(r, 300));
  assert.doesNotMatch(output, /listening/);
  for (const args of [
    ["link", "add", "gantry0", "type", "bridge"],
    ["addr", "add", `${GATEWAY}/24`, "dev", "gantry0"],
    ["link", "set", "gantry0", "up"],
  ]) {
    const r = await host.exec("ip", args);
    assert.equal(r.code, 0, `ip ${args.join(" ")}: ${r.stderr}`);
  }
  await waitFor("the DNS server on the gateway address", () => output.includes(`listening ${GATEWAY} 53`), 20_000);
});

after(async () => {
  child?.kill("SIGTERM");
  await net?.destroy();
});

describe("cluster DNS on the node's gateway address, asked by busybox nslookup", () => {
  test("Services and kubernetes.default", async () => {
    assert.match(await nslookup("web.prod.svc.cluster.local"), /Name:\s+web\.prod\.svc\.cluster\.local\s+Address:\s+10\.96\.5\.5/);
    assert.match(await nslookup("kubernetes.default.svc.cluster.local"), /Address:\s+10\.96\.0\.1\b/);
  });

  test("headless Services: every ready endpoint; endpoint hostnames", async () => {
    const out = await nslookup("db.prod.svc.cluster.local");
    for (const ip of ["10.244.1.20", "10.244.2.21", "10.244.2.22"]) assert.match(out, new RegExp(`Address:\\s+${ip.replace(/\./g, "\\.")}\\b`));
    assert.doesNotMatch(out, /10\.244\.2\.23/);
    assert.match(await nslookup("db-1.db.prod.svc.cluster.local"), /Address:\s+10\.244\.2\.21/);
  });

  test("SRV and PTR", async () => {
    assert.match(await nslookup("-type=SRV", "_http._tcp.web.prod.svc.cluster.local"), /_http\._tcp\.web\.prod\.svc\.cluster\.local\s+service = 0 100 80 web\.prod\.svc\.cluster\.local/);
    assert.match(await nslookup("10.96.5.5"), /name = web\.prod\.svc\.cluster\.local/);
    assert.match(await nslookup("10.244.1.20"), /name = db-0\.db\.prod\.svc\.cluster\.local/);
  });

  test("unknown names: NXDOMAIN", async () => {
    assert.match(await nslookup("missing.prod.svc.cluster.local"), /NXDOMAIN/);
  });

  test("other names go to the upstream resolver", async () => {
    assert.match(await nslookup("www.example.test"), /Name:\s+www\.example\.test\s+Address:\s+192\.0\.2\.10/);
  });
});
