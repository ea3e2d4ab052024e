// The sync loop against a fake host (no kernel): what it runs, when, and how it survives
// failures. The real thing is exercised in test/service-proxy.test.ts.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CommandError } from "../run";
import { ServiceCatalog } from "../services/catalog";
import { ServiceProxy } from "./proxy";
import { endpoint, service } from "./testing/fixtures";

function fakeHost(failNft: (script: string) => boolean) {
  const scripts: string[] = [];
  const exec = async (argv: readonly string[], options?: { input?: string }) => {
    if (argv[0] === "nft" && argv[1] === "-f") {
      const script = options?.input ?? "";
      scripts.push(script);
      if (failNft(script)) throw new CommandError(argv, 1, "/dev/stdin:2:1-5: Error: Could not process rule: Device or resource busy\n");
    }
    if (argv[0] === "ip") return { stdout: '[{"addr_info":[{"family":"inet","local":"127.0.0.1"}]}]', stderr: "" };
    return { stdout: "", stderr: "" };
  };
  return { exec, scripts };
}

function logger() {
  const lines: string[] = [];
  const add = (level: string) => (o: object, m: string) => void lines.push(`${level} ${m} ${String((o as { err?: unknown }).err ?? "")}`);
  return { lines, log: { info: add("info"), warn: add("warn"), error: add("error") } };
}

test("waits for the first full set, replaces, then syncs only what changed", async () => {
  const catalog = new ServiceCatalog();
  const host = fakeHost(() => false);
  const proxy = new ServiceProxy({ catalog, nodeName: "n", masqueradeOutside: true, exec: host.exec, log: logger().log, coalesceMs: 1 });
  proxy.start();
  await proxy.idle();
  assert.equal(host.scripts.length, 0, "no catalog yet: the old rules stay");
  catalog.apply({ full: true, upsert: [service("a", "10.96.0.1", [endpoint("10.244.0.2", 80)]), service("b", "10.96.0.2", [])], remove: [] });
  await proxy.idle();
  assert.equal(host.scripts.length, 1);
  assert.match(host.scripts[0], /^add table ip gantry\ndelete table ip gantry\n/);
  catalog.apply({ full: false, upsert: [service("b", "10.96.0.2", [endpoint("10.244.0.3", 80)])], remove: [] });
  await proxy.idle();
  assert.equal(host.scripts.length, 2);
  assert.doesNotMatch(host.scripts[1], /default\/a\//, "service a is untouched by b's change");
  assert.match(host.scripts[1], /dnat to 10\.244\.0\.3:80/);
  await proxy.stop();
});

test("a burst of changes is one transaction", async () => {
  const catalog = new ServiceCatalog();
  const host = fakeHost(() => false);
  const proxy = new ServiceProxy({ catalog, nodeName: "n", masqueradeOutside: true, exec: host.exec, log: logger().log, coalesceMs: 20 });
  proxy.start();
  catalog.apply({ full: true, upsert: [], remove: [] });
  await proxy.idle();
  for (let i = 0; i < 50; i++) catalog.apply({ full: false, upsert: [service(`s${i}`, `10.96.1.${i + 1}`, [endpoint("10.244.0.2", 80)])], remove: [] });
  await proxy.idle();
  assert.equal(host.scripts.length, 2);
  assert.equal(host.scripts[1].match(/^add element ip gantry cluster-ips/gm)?.length, 1);
  await proxy.stop();
});

test("a refused transaction is logged with the line nft named and retried as a full sync; the agent never sees it", async () => {
  const catalog = new ServiceCatalog();
  let failures = 1;
  const host = fakeHost(() => failures-- > 0);
  const { lines, log } = logger();
  const proxy = new ServiceProxy({ catalog, nodeName: "n", masqueradeOutside: true, exec: host.exec, log, coalesceMs: 1, maxRetryMs: 50 });
  proxy.start();
  catalog.apply({ full: true, upsert: [service("a", "10.96.0.1", [endpoint("10.244.0.2", 80)])], remove: [] });
  await proxy.idle();
  assert.match(proxy.lastError?.message ?? "", /nft refused line 2: Could not process rule: Device or resource busy: delete table ip gantry/);
  assert.ok(lines.some((l) => l.startsWith("error programming the service proxy rules failed")));
  await new Promise((r) => setTimeout(r, 120));
  await proxy.idle();
  assert.equal(proxy.lastError, undefined);
  assert.equal(host.scripts.length, 2);
  assert.match(host.scripts[1], /^add table ip gantry\ndelete table ip gantry\n/, "still a replace: the first one never happened");
  await proxy.stop();
});

test("full syncs repeat on their period, rewriting everything in place", async () => {
  const catalog = new ServiceCatalog();
  const host = fakeHost(() => false);
  const proxy = new ServiceProxy({ catalog, nodeName: "n", masqueradeOutside: true, exec: host.exec, log: logger().log, coalesceMs: 1, fullSyncIntervalMs: 40 });
  proxy.start();
  catalog.apply({ full: true, upsert: [service("a", "10.96.0.1", [endpoint("10.244.0.2", 80)])], remove: [] });
  const fullSyncs = () => host.scripts.filter((s) => s.includes("flush map ip gantry service-ips"));
  for (let waited = 0; fullSyncs().length < 2 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  await proxy.stop();
  const fulls = fullSyncs();
  assert.ok(fulls.length >= 2, `${fulls.length} full syncs`);
  assert.ok(fulls.every((s) => !s.includes("delete table")), "only the first sync replaces the table");
});
