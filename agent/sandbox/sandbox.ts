// The pod sandbox on the node: pod directory, network, IPC and UTS namespaces, /etc files and
// volumes. setUp is idempotent (after an agent restart it finds the namespaces, its network and
// the tmpfs mounts it made before and keeps them, rewriting files atomically); tearDown removes
// everything, and never deletes through a mount point: it unmounts first and refuses if a mount
// remains.
//
// hostNetwork pods get no network namespace of their own: their containers join the agent's
// (the node's) network namespace, and their pod IP is the node's.

import { promises as fs } from "node:fs";
import type { Pod } from "kubernetes-types/core/v1";
import type { PodNetworks } from "../../netns/pod-network";
import { NetworkNotReadyError } from "../../netns/types";
import { VolumeError } from "../pod-spec/errors";
import { hostsFile, podHostname, resolvConf, type DnsSettings } from "../pod-spec/etc-files";
import { hostPortMappings } from "../pod-spec/host-ports";
import type { PodRuntimeFacts } from "../pod-spec/field-ref";
import { PodPaths } from "../pod-spec/pod-paths";
import { planVolumes, type VolumePlan } from "../pod-spec/volumes";
import type { VolumeDataLookup } from "../pod-spec/volume-data";
import { writeAtomically } from "./atomic-writer";
import { checkHostPath } from "./host-path";
import { ensureTmpfs, unmountAllUnder } from "./mounts";
import { pinPodNamespaces, podNamespacesToPin } from "./pod-namespaces";
import { podCgroupParent, removePodCgroup } from "./pod-cgroup";
import { tokensForSetUp, type PodTokenSource } from "./token-volumes";

export interface SandboxEnv {
  podsDir: string;
  networks: PodNetworks;
  /** The node's address: a hostNetwork pod's IP. */
  hostIP: string;
  cgroupParent: string;
  dns(): DnsSettings;
  facts(podIPs: string[]): PodRuntimeFacts;
  /** Service-account tokens of projected volumes (from the master); none: such pods cannot start. */
  tokens?: PodTokenSource;
}

export interface Sandbox {
  paths: PodPaths;
  netnsPath: string;
  ipcnsPath: string;
  utsnsPath: string;
  podIPs: string[];
  volumes: VolumePlan[];
  cgroupParent: string;
  /** Set when resolv.conf is not what the pod asked for (no cluster DNS yet, limits exceeded). */
  dnsWarning?: string;
}

export class SandboxError extends Error {
  constructor(
    readonly reason: "FailedMount" | "FailedCreatePodSandBox" | "NetworkNotReady",
    message: string,
  ) {
    super(message);
    this.name = "SandboxError";
  }
}

function podRef(pod: Pod) {
  return { uid: pod.metadata?.uid ?? "", namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" };
}

/** The agent's own network namespace, which hostNetwork pods' containers join. */
export function hostNetnsPath(): string {
  return `/proc/${process.pid}/ns/net`;
}

/** The pod's network; `alsoPin` (the IPC/UTS namespaces' unshare options) are pinned by the same
 *  process when its network namespace is made (`pinned`). */
async function podNetwork(pod: Pod, env: SandboxEnv, alsoPin: readonly string[]): Promise<{ netnsPath: string; ips: string[]; pinned: boolean }> {
  if (pod.spec?.hostNetwork === true) return { netnsPath: hostNetnsPath(), ips: env.hostIP ? [env.hostIP] : [], pinned: false };
  return env.networks.ensure({ ...podRef(pod), portMappings: hostPortMappings(pod) }, alsoPin);
}

export async function setUpSandbox(pod: Pod, env: SandboxEnv, data: VolumeDataLookup): Promise<Sandbox> {
  const paths = new PodPaths(env.podsDir, pod.metadata?.uid ?? "");
  let net;
  try {
    await fs.mkdir(paths.dir, { recursive: true, mode: 0o750 });
    await fs.mkdir(`${paths.dir}/containers`, { recursive: true, mode: 0o750 });
    const { missing, ...namespaces } = await podNamespacesToPin(paths.namespaces);
    net = await podNetwork(pod, env, missing);
    if (!net.pinned) await pinPodNamespaces(missing);
    const dns = env.dns();
    await fs.writeFile(paths.hosts, hostsFile(pod, net.ips, dns.clusterDomain), { mode: 0o644 });
    await fs.writeFile(paths.hostname, `${podHostname(pod)}\n`, { mode: 0o644 });
    const resolv = resolvConf(pod, dns);
    await fs.writeFile(paths.resolvConf, resolv.text, { mode: 0o644 });
    const tokens = await tokensForSetUp(pod, paths, env.tokens);
    const volumes = planVolumes(pod, paths, data, env.facts(net.ips), tokens);
    for (const v of volumes) await setUpVolume(v);
    const sandbox: Sandbox = { paths, netnsPath: net.netnsPath, ...namespaces, podIPs: net.ips, volumes, cgroupParent: podCgroupParent(env.cgroupParent, paths.uid) };
    if (resolv.warnings.length > 0) sandbox.dnsWarning = resolv.warnings.join("; ");
    return sandbox;
  } catch (err) {
    if (err instanceof VolumeError) throw new SandboxError("FailedMount", err.message);
    if (err instanceof NetworkNotReadyError) throw new SandboxError("NetworkNotReady", err.message);
    throw new SandboxError("FailedCreatePodSandBox", `Failed to create pod sandbox: ${(err as Error).message}`);
  }
}

async function setUpVolume(v: VolumePlan): Promise<void> {
  switch (v.kind) {
    case "hostPath":
      await checkHostPath(v.name, v.path, v.type);
      return;
    case "emptyDir":
      if (v.tmpfs) await ensureTmpfs(v.path, { mode: 0o777, sizeBytes: v.sizeLimitBytes });
      else await fs.mkdir(v.path, { recursive: true });
      await fs.chmod(v.path, 0o777); // writable by any container user, as the kubelet makes it
      return;
    case "files":
      // Secrets (and projected volumes, which may hold them) live on a tmpfs of their own.
      if (v.tmpfs) await ensureTmpfs(v.path, { mode: 0o755 });
      await writeAtomically(v.path, v.files);
      return;
  }
}

export async function tearDownSandbox(pod: Pod, env: SandboxEnv): Promise<void> {
  const paths = new PodPaths(env.podsDir, pod.metadata?.uid ?? "");
  await env.networks.remove(podRef(pod));
  await unmountAllUnder(paths.dir);
  await fs.rm(paths.dir, { recursive: true, force: true });
  await removePodCgroup(podCgroupParent(env.cgroupParent, paths.uid));
}
