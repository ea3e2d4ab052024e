// Test support for the election's etcd membership tests: a second member beside a TLS test etcd
// (startTestEtcd({ tls: true })), as `gantry join --control-plane` would start it after MemberAdd.

import { rm } from "node:fs/promises";
import path from "node:path";
import { ensureEtcdPki } from "../pki/etcd";
import { EtcdProcess } from "../store/etcd-process";
import { etcdTlsFiles, healthcheckClient } from "../store/etcd-tls";
import type { TestEtcd } from "../store/testing";

/**
 * The process of member "second" of `first`'s cluster (not started), on 127.0.0.1 with `first`'s
 * etcd PKI. `initialCluster` is what joinCluster returned. `remove()` stops it and deletes its data.
 */
export async function secondMember(first: TestEtcd, ports: { clientPort: number; peerPort: number }, initialCluster: string): Promise<{ member: EtcdProcess; remove(): Promise<void> }> {
  const etcdPki = await ensureEtcdPki(first.pkiDir!, { name: "test", names: { hostnames: [], ips: [] } });
  const dataDir = path.join(first.dir, "second");
  const member = new EtcdProcess({
    dataDir,
    name: "second",
    ...ports,
    initialCluster,
    initialClusterState: "existing",
    tls: etcdTlsFiles(first.pkiDir!),
    healthClient: healthcheckClient(etcdPki),
    startTimeoutMs: 30_000,
    stopTimeoutMs: 5000,
  });
  return {
    member,
    async remove() {
      await member.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
