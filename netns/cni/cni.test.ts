// The CNI protocol pieces without plugins: execution configuration (§3), ordering and prevResult
// chaining of a configuration list, error mapping, result parsing, the cache and Gantry's
// network configuration. cni-plugin.test.ts runs the real plugins.

import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { CniResultCache } from "./cache";
import { addNetworkList, checkNetworkList, delNetworkList, executionConfig } from "./conflist";
import { CniError, pluginFailure } from "./errors";
import { cniArgs } from "./exec";
import { gantryNetwork, gatewayOf } from "./gantry-network";
import { podIPsOf, type Attachment, type CniResult, type NetworkConfigList, type PluginRunner } from "./types";

const list: NetworkConfigList = {
  cniVersion: "1.0.0",
  name: "net1",
  plugins: [
    { type: "first", keep: { nested: [1, 2] } },
    { type: "second", capabilities: { portMappings: true, bandwidth: false } },
  ],
};

const attachment: Attachment = {
  containerId: "c1",
  netns: "/run/x/ns",
  ifName: "eth0",
  args: [["IgnoreUnknown", "1"], ["K8S_POD_NAME", "web"]],
  capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: "tcp" }], bandwidth: { rate: 1 } },
};

/** A runner whose "plugins" record their input and answer with a result naming themselves. */
function recordingRunner(fail?: { type: string; command: string; stdout: string; code?: number }) {
  const calls: { binary: string; env: Record<string, string>; config: Record<string, unknown> }[] = [];
  const runner: PluginRunner = {
    paths: ["/bin", "/usr/bin"],
    async exec(binary, env, stdin) {
      const config = JSON.parse(stdin) as Record<string, unknown>;
      calls.push({ binary, env, config });
      if (fail && config.type === fail.type && env.CNI_COMMAND === fail.command) return { code: fail.code ?? 1, stdout: fail.stdout, stderr: "" };
      if (env.CNI_COMMAND !== "ADD") return { code: 0, stdout: "", stderr: "" };
      const prev = (config.prevResult as CniResult | undefined) ?? { cniVersion: "1.0.0" };
      return { code: 0, stdout: JSON.stringify({ ...prev, cniVersion: "1.0.0", by: [...((prev.by as string[]) ?? []), config.type] }), stderr: "" };
    },
  };
  return { runner, calls };
}

// Real binaries that always exist stand in for plugin names the runner never executes.
const named = (l: NetworkConfigList): NetworkConfigList => ({ ...l, plugins: l.plugins.map((p, i) => ({ ...p, type: ["true", "false"][i] })) });

test("execution configuration: list version and name, runtimeConfig of declared capabilities only, prevResult, no capabilities", () => {
  const prev: CniResult = { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }] };
  assert.deepEqual(executionConfig(list, list.plugins[0], attachment.capabilityArgs, undefined), { type: "first", keep: { nested: [1, 2] }, cniVersion: "1.0.0", name: "net1" });
  assert.deepEqual(executionConfig(list, list.plugins[1], attachment.capabilityArgs, prev), {
    type: "second",
    cniVersion: "1.0.0",
    name: "net1",
    runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 8080, protocol: "tcp" }] },
    prevResult: prev,
  });
  // A declared capability the runtime has no argument for adds nothing.
  assert.equal(executionConfig(list, list.plugins[1], {}, undefined).runtimeConfig, undefined);
});

test("ADD runs in order chaining prevResult; DEL in reverse with the ADD result; CHECK in order, not at all with disableCheck", async () => {
  const { runner, calls } = recordingRunner();
  const l = named(list);
  const result = await addNetworkList(runner, l, attachment);
  assert.deepEqual(result.by, ["true", "false"]);
  assert.deepEqual(calls.map((c) => [c.env.CNI_COMMAND, c.config.type]), [["ADD", "true"], ["ADD", "false"]]);
  assert.equal(calls[0].config.prevResult, undefined);
  assert.deepEqual((calls[1].config.prevResult as CniResult).by, ["true"]);
  assert.deepEqual(calls[0].env, {
    CNI_COMMAND: "ADD",
    CNI_CONTAINERID: "c1",
    CNI_NETNS: "/run/x/ns",
    CNI_IFNAME: "eth0",
    CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAME=web",
    CNI_PATH: "/bin:/usr/bin",
  });
  assert.equal(calls[0].binary, "/bin/true");

  calls.length = 0;
  await delNetworkList(runner, l, { ...attachment, netns: "" }, result);
  assert.deepEqual(calls.map((c) => [c.env.CNI_COMMAND, c.config.type, c.env.CNI_NETNS]), [["DEL", "false", ""], ["DEL", "true", ""]]);
  for (const c of calls) assert.deepEqual(c.config.prevResult, result);

  calls.length = 0;
  await checkNetworkList(runner, l, attachment, result);
  assert.deepEqual(calls.map((c) => [c.env.CNI_COMMAND, c.config.type]), [["CHECK", "true"], ["CHECK", "false"]]);
  calls.length = 0;
  await checkNetworkList(runner, { ...l, disableCheck: true }, attachment, result);
  assert.equal(calls.length, 0);
});

test("a failing plugin stops the chain and is reported with its msg and details", async () => {
  const stdout = JSON.stringify({ cniVersion: "1.0.0", code: 7, msg: "Invalid Configuration", details: "Network 192.168.0.0/31 too small to allocate from." });
  const { runner, calls } = recordingRunner({ type: "true", command: "ADD", stdout });
  const err = await addNetworkList(runner, named(list), attachment).catch((e: unknown) => e);
  assert.ok(err instanceof CniError);
  assert.equal(err.code, 7);
  assert.equal(err.plugin, "true");
  assert.equal(err.details, "Network 192.168.0.0/31 too small to allocate from.");
  assert.equal(err.message, 'CNI ADD of network "net1" failed in plugin true (code 7): Invalid Configuration: Network 192.168.0.0/31 too small to allocate from.');
  assert.equal(calls.length, 1, "the second plugin never ran");
});

test("error mapping: JSON error, non-JSON output, stderr only, nothing at all; a missing binary", async () => {
  assert.equal(pluginFailure("DEL", "n", "bridge", 1, '{"code":11,"msg":"try again"}', "").message, 'CNI DEL of network "n" failed in plugin bridge (code 11): try again');
  assert.match(pluginFailure("ADD", "n", "x", 2, "panic: boom", "").message, /not a CNI error: "panic: boom"/);
  assert.match(pluginFailure("ADD", "n", "x", 2, "", "some log line\n").message, /plugin failed: some log line$/);
  assert.match(pluginFailure("ADD", "n", "x", null, "", "").message, /no error message \(killed\)/);
  const { runner } = recordingRunner();
  await assert.rejects(addNetworkList(runner, { ...list, plugins: [{ type: "no-such-plugin-gantry" }] }, attachment), /plugin binary "no-such-plugin-gantry" not found in CNI_PATH \/bin:\/usr\/bin/);
  await assert.rejects(addNetworkList(runner, { ...list, plugins: [{ type: "../bin/true" }] }, attachment), /is not a file name/);
});

test("a result in another CNI version is refused", async () => {
  const runner: PluginRunner = { paths: ["/bin"], exec: async () => ({ code: 0, stdout: '{"cniVersion":"0.4.0"}', stderr: "" }) };
  await assert.rejects(addNetworkList(runner, named({ ...list, plugins: [list.plugins[0]] }), attachment), /answered in CNI version "0.4.0", not 1.0.0/);
});

test("podIPsOf: addresses of the container interface only, without prefix", () => {
  const result: CniResult = {
    cniVersion: "1.0.0",
    interfaces: [{ name: "gantry0", mac: "aa" }, { name: "veth1" }, { name: "eth0", sandbox: "/run/ns" }],
    ips: [
      { address: "10.244.1.5/24", gateway: "10.244.1.1", interface: 2 },
      { address: "10.244.1.1/24", interface: 0 },
      { address: "fd00::5/64" },
    ],
  };
  assert.deepEqual(podIPsOf(result, "eth0"), ["10.244.1.5", "fd00::5"]);
  assert.equal(cniArgs([["A", "1"], ["B", "x"]]), "A=1;B=x");
});

test("the cache keeps records atomically per pod uid and lists them", async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-cni-cache-"));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  const cache = new CniResultCache(path.join(dir, "results"));
  assert.equal(await cache.get("u1"), undefined);
  assert.deepEqual(await cache.list(), []);
  await cache.put({ podUid: "u1", network: list, attachment });
  assert.equal((await cache.get("u1"))?.result, undefined);
  const result: CniResult = { cniVersion: "1.0.0", ips: [{ address: "10.0.0.2/24" }] };
  await cache.put({ podUid: "u1", network: list, attachment, result });
  const got = await cache.get("u1");
  assert.deepEqual([got?.kind, got?.network, got?.attachment, got?.result], ["GantryCniAttachment", list, attachment, result]);
  await cache.put({ podUid: "u2", network: list, attachment });
  assert.deepEqual(await cache.list(), ["u1", "u2"]);
  assert.deepEqual((await fs.readdir(cache.dir)).sort(), ["u1.json", "u2.json"], "no temp files left");
  await cache.delete("u1");
  await cache.delete("u1");
  assert.deepEqual(await cache.list(), ["u2"]);
  await fs.writeFile(cache.fileFor("u3"), '{"kind":"Other"}');
  await assert.rejects(cache.get("u3"), /is not a Gantry CNI attachment record/);
  assert.throws(() => cache.fileFor("../x"), /cannot name a CNI cache file/);
});

test("Gantry's network: bridge gantry0 as gateway, hairpin, no masquerade, host-local in the data dir; portmap only with hostPorts", () => {
  assert.equal(gatewayOf("10.244.3.0/24"), "10.244.3.1");
  assert.throws(() => gatewayOf("10.244.3.0/31"), /at least 4 addresses/);
  assert.deepEqual(gantryNetwork({ podCidr: "10.244.3.0/24", ipamDataDir: "/var/lib/gantry/agent/cni/networks" }), {
    cniVersion: "1.0.0",
    name: "gantry",
    plugins: [
      {
        type: "bridge",
        bridge: "gantry0",
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: "10.244.3.0/24", gateway: "10.244.3.1" }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: "/var/lib/gantry/agent/cni/networks",
        },
      },
    ],
  });
  const withPorts = gantryNetwork({ podCidr: "10.244.3.0/24", ipamDataDir: "/var/lib/gantry/agent/cni/networks", hostPorts: true });
  assert.equal(withPorts.disableCheck, true);
  assert.deepEqual(
    withPorts.plugins.map((p) => p.type),
    ["bridge", "portmap"],
  );
  assert.deepEqual(withPorts.plugins[1], { type: "portmap", capabilities: { portMappings: true }, snat: true });
});
