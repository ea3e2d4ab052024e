import assert from "node:assert/strict";
import { test } from "node:test";
import { EtcdStore } from "../store/etcd-store";
import { freePorts } from "../store/ports";
import { startTestEtcd } from "../store/testing";
import { EtcdElectionBackend } from "./etcd-backend";

test("keepalives reach the live member while the other endpoints the client knows refuse connections", { timeout: 60_000 }, async (t) => {
  const etcd = await startTestEtcd();
  t.after(() => etcd.stop());
  // What a first master sees while the members listed in --etcd-servers have not started yet.
  const dead = (await freePorts(2)).map((p) => `http://127.0.0.1:${p}`);
  const store = new EtcdStore({ endpoints: [...dead, etcd.endpoint] });
  t.after(() => store.close());
  const backend = new EtcdElectionBackend(store.client, () => performance.now(), "/test/leader");

  const won = await backend.campaign("m1", 10);
  assert.equal(won.result, "won");
  if (won.result !== "won") return;
  // Each keepalive stream goes to one endpoint picked at random: 2 in 3 refuse. Every renewal
  // within its timeout must still get through.
  for (let i = 0; i < 10; i++) {
    const outcome = await backend.renew(won.leaseId, 1500);
    assert.equal(outcome.result, "renewed", `renewal ${i}: ${JSON.stringify(outcome)}`);
  }
});
