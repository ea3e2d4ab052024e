// Growing a cluster: `gantry init` starts the first master alone (a one-member etcd); the second
// and third join it with the printed `gantry join --control-plane --certificate-key` command (the
// uploaded CAs, etcd MemberAdd over TLS as a learner, then promoted). Afterwards etcd has three
// voting members, every master serves the API with the shared CA, and all agree on one leader;
// stopping that leader gracefully hands over at once (its lease is revoked).

import assert from "node:assert/strict";
import { test } from "node:test";
import { startHaCluster } from "./helpers/ha-cluster";

test("masters join a running cluster one by one; all agree on the leader; a graceful stop hands over at once", { timeout: 300_000 }, async (t) => {
  const cluster = await startHaCluster({ bootstrap: "join" });
  try {
    const [m1, m2, m3] = cluster.masters;
    const list = await cluster.etcdctl(["member", "list", "-w", "json"]);
    assert.equal(list.code, 0, list.stderr);
    const members = (JSON.parse(list.stdout) as { members: { name: string; peerURLs: string[]; isLearner?: boolean }[] }).members;
    assert.deepEqual(members.map((m) => m.name).sort(), ["m1", "m2", "m3"]);
    assert.ok(members.every((m) => !m.isLearner), "all voting members");
    for (const m of cluster.masters) assert.ok(members.some((x) => x.name === m.name && x.peerURLs.includes(`https://${m.address}:2380`)));

    // m1 was alone when it started, so it won; the others follow it.
    for (const m of cluster.masters) {
      const line = (await cluster.readyz(m))?.split("\n").find((l) => l.includes("leader-election"));
      assert.equal(line, `[+]leader-election ok (leader: m1, this master: ${m === m1 ? "leader" : "follower"})`);
    }
    // One CA: m3's admin credentials work against m2, and writes through m3 are read through m1.
    await cluster.kubectlOk(["create", "configmap", "joined", "--from-literal=k=v"], m3);
    assert.equal((await cluster.kubectlOk(["get", "configmap", "joined", "-o", "jsonpath={.data.k}"], m1)).trim(), "v");
    const viaOtherKubeconfig = await cluster.client.exec("kubectl", ["--kubeconfig", m3.kubeconfig, "--server", `https://${m2.address}:6443`, "get", "ns", "default", "-o", "name"]);
    assert.equal(viaOtherKubeconfig.code, 0, viaOtherKubeconfig.stderr);

    const stoppedAt = Date.now();
    await m1.kill("SIGTERM");
    let holder = "";
    for (const deadline = Date.now() + 5000; Date.now() < deadline && (holder === "" || holder === "m1"); ) {
      const r = await cluster.kubectl(["get", "lease", "gantry-master", "-n", "kube-system", "-o", "jsonpath={.spec.holderIdentity}"], m2);
      holder = r.code === 0 ? r.stdout.trim() : "";
    }
    const handover = Date.now() - stoppedAt;
    t.diagnostic(`graceful handover from m1 to ${holder}: ${handover}ms after SIGTERM`);
    assert.ok(holder === "m2" || holder === "m3", `new holder "${holder}"`);
    // Far below the 10 s TTL: the stopping leader revoked its lease.
    assert.ok(handover < 6000, `handover took ${handover}ms`);
    await cluster.kubectlOk(["create", "configmap", "after-stop"], m2);
  } catch (err) {
    for (const m of cluster.masters) t.diagnostic(`--- ${m.name} output (tail) ---\n${m.output().split("\n").slice(-30).join("\n")}`);
    throw err;
  } finally {
    await cluster.stop();
  }
});
