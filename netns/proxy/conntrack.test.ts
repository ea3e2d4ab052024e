import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConntrack, staleFlows } from "./conntrack";

const LIST = [
  "udp      17 27 src=10.244.1.2 dst=10.96.0.10 sport=40000 dport=53 src=10.244.1.5 dst=10.244.1.2 sport=53 dport=40000 [ASSURED] mark=0 use=1",
  "udp      17 29 src=10.244.1.2 dst=10.96.0.10 sport=40001 dport=53 [UNREPLIED] src=10.244.1.6 dst=10.244.1.2 sport=53 dport=40001 mark=0 use=1",
  "udp      17 29 src=192.168.0.99 dst=192.168.0.10 sport=5000 dport=30053 src=10.244.1.6 dst=192.168.0.10 sport=53 dport=5000 mark=0 use=1",
  "udp      17 29 src=10.244.1.2 dst=10.96.0.99 sport=41000 dport=53 src=10.244.1.7 dst=10.244.1.2 sport=53 dport=41000 mark=0 use=1",
  "udp      17 29 src=10.244.1.2 dst=8.8.8.8 sport=41001 dport=30053 src=8.8.8.8 dst=192.168.0.10 sport=30053 dport=41001 mark=0 use=1",
  "conntrack v1.4.7 (conntrack-tools): 5 flow entries have been shown.",
].join("\n");

test("parses the original destination and the reply source of each UDP entry", () => {
  const e = parseConntrack(LIST);
  assert.equal(e.length, 5);
  assert.deepEqual(e[0], { origSrc: "10.244.1.2", origDst: "10.96.0.10", origDport: 53, replySrc: "10.244.1.5" });
});

test("stale: answered by a non-serving endpoint (ClusterIP and NodePort), or addressed to a removed Service", () => {
  const filters = staleFlows(parseConntrack(LIST), [{ serviceIPs: ["10.96.0.10"], nodePort: 30053, servingEndpointIPs: ["10.244.1.5"] }], ["192.168.0.10", "127.0.0.1"], ["10.96.0.99"]);
  assert.deepEqual(filters, [
    { origDst: "10.96.0.10", replySrc: "10.244.1.6" },
    { origDst: "192.168.0.10", origPortDst: 30053, replySrc: "10.244.1.6" },
    { origDst: "10.96.0.99", replySrc: "10.244.1.7" },
  ]);
});
