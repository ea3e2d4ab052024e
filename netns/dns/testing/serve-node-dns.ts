// Test fixture, run inside a test network namespace: a NodeDns (the agent's cluster DNS) over
// the fixture catalog, forwarding to a fake upstream on the namespace's loopback.
//
//   node serve-node-dns.js <podCidr> <port>
//
// Prints `upstream <port>` once the fake upstream is up and `listening <address> <port>` once the
// DNS server is bound (which waits until the pod CIDR's gateway address exists). Runs until killed.

import { NodeDns } from "../node-dns";
import { CLUSTER_RANGES, fixtureCatalog } from "./catalog-fixture";
import { startFakeUpstream } from "./fake-upstream";

async function main(): Promise<void> {
  const [podCidr, port] = process.argv.slice(2);
  const upstream = await startFakeUpstream("127.0.0.1", "example.test", "192.0.2.10");
  console.log(`upstream ${upstream.port}`);
  const log = { info: () => undefined, warn: (obj: object, msg: string) => console.error(msg, obj) };
  const dns = new NodeDns({ catalog: fixtureCatalog(60), upstreams: [{ host: upstream.host, port: upstream.port }], hostResolvConf: "", port: Number(port), retryMs: 100, log });
  dns.configure({ podCidrs: [podCidr], clusterDomain: "cluster.local", clusterCidrs: [CLUSTER_RANGES[0]], serviceCidrs: [CLUSTER_RANGES[1]] });
  const poll = setInterval(() => {
    const l = dns.listening;
    if (!l) return;
    console.log(`listening ${l.address} ${l.port}`);
    clearInterval(poll);
  }, 50);
  process.on("SIGTERM", () => {
    void dns.stop().then(() => upstream.stop()).then(() => process.exit(0));
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
