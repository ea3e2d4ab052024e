// `gantry reset`: undo `gantry init` / `gantry join` on this host, kubeadm reset's way.
//
//   1. a master: remove its etcd member from the cluster over TLS (MemberRemove through the other
//      members), refused when the members left could not form a quorum, unless --force
//      (master/election/member-remove.ts); the only member takes the cluster with it;
//   2. stop this host's daemons: the systemd units `gantry install` wrote (stopped, disabled and
//      removed, as `gantry uninstall` does), the supervisors in the pid files, then any gantry
//      master/agent or etcd whose command line names this host's data directories
//      (cli/host-processes.ts);
//   3. an agent: remove its containers (runc), the mounts under its directories, the pod network
//      and the service proxy's table (`gantry agent cleanup-network`), its pods' cgroup;
//   4. delete the state: the master and agent data dirs, the agent's run dir, the kubeconfigs,
//      the pid files.
// It asks first unless --yes (-f) is given; without a terminal to ask on it refuses.

import type { Command } from "commander";
import { access, rm } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { readMemberRecord } from "../master/member-record";
import { planRemoval, removalProblem, removeMember } from "../master/election/member-remove";
import { readApiserverEtcdClient } from "../master/store/etcd-tls";
import { cleanupNodeNetwork } from "../netns/cleanup";
import { run } from "../netns/run";
import { removeCgroup } from "../runtime/runc/cgroups";
import { mountsUnder, readMountInfo } from "../runtime/rootfs/mountinfo";
import { DEFAULT_AGENT_KUBECONFIG } from "./agent";
import { processesWithDataDir, stopPidFile, stopProcess } from "./host-processes";
import { DEFAULT_UNIT_DIR, uninstallUnit } from "./install";
import { DEFAULT_ADMIN_KUBECONFIG, DEFAULT_MASTER_DATA_DIR } from "./master";
import { unitName } from "./systemd/units";

interface ResetFlags {
  yes?: boolean;
  force?: boolean;
  masterDataDir: string;
  agentDataDir: string;
  agentRunDir: string;
  adminKubeconfig: string;
  agentKubeconfig: string;
  masterPidFile: string;
  agentPidFile: string;
  cgroupParent: string;
  cniPath: string;
  unitDir: string;
}

export function registerResetCommand(program: Command): void {
  program
    .command("reset")
    .description("undo gantry init / gantry join on this host: leave the etcd cluster (a master), stop and uninstall its services, remove containers, mounts and the pod network, delete the state")
    .option("-f, --yes", "do not ask for confirmation")
    .option("--force", "remove this master's etcd member even if the members left could not form a quorum, and go on when etcd cannot be reached")
    .option("--master-data-dir <dir>", "the master's data dir", DEFAULT_MASTER_DATA_DIR)
    .option("--agent-data-dir <dir>", "the agent's data dir", "/var/lib/gantry/agent")
    .option("--agent-run-dir <dir>", "the agent's run dir", "/run/gantry/agent")
    .option("--admin-kubeconfig <file>", "the admin kubeconfig to delete", DEFAULT_ADMIN_KUBECONFIG)
    .option("--agent-kubeconfig <file>", "the node's kubeconfig to delete", DEFAULT_AGENT_KUBECONFIG)
    .option("--master-pid-file <file>", "pid file of the background master", "/run/gantry/master.pid")
    .option("--agent-pid-file <file>", "pid file of the background agent", "/run/gantry/agent.pid")
    .option("--cgroup-parent <path>", "the agent's --cgroup-parent", "/gantry")
    .option("--cni-path <dirs>", "directories of the CNI plugin binaries (colon-separated)", "/usr/lib/cni")
    .option("--unit-dir <dir>", "where `gantry install` wrote the systemd units", DEFAULT_UNIT_DIR)
    .action(async (opts: ResetFlags) => {
      await reset(opts);
    });
}

async function reset(f: ResetFlags): Promise<void> {
  if (!(await confirmed(f))) throw new Error("reset aborted: nothing was changed");
  const problems: string[] = [];
  await leaveEtcdCluster(f);
  await stopDaemons(f);
  if ((await exists(f.agentDataDir)) || (await exists(f.agentRunDir))) await cleanupAgent(f, problems);
  for (const target of [f.masterDataDir, f.agentDataDir, f.agentRunDir, f.adminKubeconfig, f.agentKubeconfig, f.masterPidFile, f.agentPidFile]) {
    if (!(await exists(target))) continue;
    await rm(target, { recursive: true, force: true }).then(
      () => console.log(`[reset] deleted ${target}`),
      (err: Error) => problems.push(`deleting ${target}: ${err.message}`),
    );
  }
  if (problems.length > 0) throw new Error(`reset finished with problems:\n  ${problems.join("\n  ")}`);
  console.log("[reset] done: this host runs nothing of the cluster and keeps none of its state");
}

async function confirmed(f: ResetFlags): Promise<boolean> {
  if (f.yes) return true;
  if (!process.stdin.isTTY) throw new Error("gantry reset deletes this host's cluster state; pass --yes (-f) to run it without a terminal to confirm on");
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question("[reset] WARNING: this host will leave the cluster and its Gantry state will be deleted.\n[reset] Are you sure you want to proceed? [y/N]: ");
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Step 1: MemberRemove of this master's etcd member (nothing when this host is no master). */
async function leaveEtcdCluster(f: ResetFlags): Promise<void> {
  const record = await readMemberRecord(f.masterDataDir);
  if (!record) {
    if (await exists(path.join(f.masterDataDir, "etcd"))) console.log(`[reset] ${f.masterDataDir} has no member.json: cannot tell which etcd member to remove; remove it by hand (etcdctl member remove) if the cluster still lists it`);
    return;
  }
  const tls = await readApiserverEtcdClient(path.join(f.masterDataDir, "pki"));
  const endpoints = [...new Set([record.clientUrl, ...record.endpoints])];
  let plan;
  try {
    plan = await planRemoval(endpoints, record.peerUrl, tls);
  } catch (err) {
    const why = `no etcd member at ${endpoints.join(",")} answered (${(err as Error).message})`;
    if (!f.force) throw new Error(`${why}: cannot remove etcd member "${record.name}" from its cluster. Start a master, or pass --force to reset anyway (the other members keep listing this one)`);
    console.log(`[reset] ${why}; going on (--force)`);
    return;
  }
  if (!plan.self) return console.log(`[reset] etcd member "${record.name}" is not in the cluster any more`);
  if (plan.members.length === 1) return console.log(`[reset] etcd member "${record.name}" is its cluster's only member: the cluster goes with it`);
  const problem = removalProblem(plan);
  if (problem && !f.force) throw new Error(`${problem}. Nothing was changed`);
  try {
    await removeMember(plan, tls);
  } catch (err) {
    if (!f.force) throw new Error(`removing etcd member "${record.name}" failed: ${(err as Error).message}. Nothing else was changed`);
    console.log(`[reset] removing etcd member "${record.name}" failed (${(err as Error).message}); going on (--force)`);
    return;
  }
  const left = plan.members.filter((m) => m.ID !== plan.self!.ID).map((m) => m.name || m.peerURLs.join(","));
  console.log(`[reset] removed etcd member "${record.name}" (${plan.self.ID}) from the cluster; members now: ${left.join(", ")}`);
}

/** Step 2: the systemd units, the daemons by pid file, then whatever still runs on this host's data dirs. */
async function stopDaemons(f: ResetFlags): Promise<void> {
  for (const role of ["agent", "master"] as const) {
    if (await exists(path.join(f.unitDir, unitName(role)))) console.log(`[reset] stopped, disabled and removed ${await uninstallUnit(role, f.unitDir)}`);
  }
  for (const [name, pidFile] of [["agent", f.agentPidFile], ["master", f.masterPidFile]] as const) {
    const stopped = await stopPidFile(pidFile);
    if (stopped) console.log(`[reset] ${stopped.how} the gantry ${name} (pid ${stopped.pid})`);
  }
  for (const dir of [f.agentDataDir, f.masterDataDir, path.join(f.masterDataDir, "etcd")]) {
    for (const p of await processesWithDataDir(dir)) {
      console.log(`[reset] ${await stopProcess(p.pid)} ${path.basename(p.argv[0])} ${p.argv.slice(1, 3).join(" ")} (pid ${p.pid}) running on ${dir}`);
    }
  }
}

/** Step 3: containers, mounts, the node network and the pods' cgroup. */
async function cleanupAgent(f: ResetFlags, problems: string[]): Promise<void> {
  const runcRoot = path.join(f.agentRunDir, "runc");
  const ids = (await run(["runc", `--root=${runcRoot}`, "list", "-q"]).catch(() => ({ stdout: "" }))).stdout.split("\n").filter(Boolean);
  for (const id of ids) {
    await run(["runc", `--root=${runcRoot}`, "kill", id, "KILL"]).catch(() => undefined);
    await run(["runc", `--root=${runcRoot}`, "delete", "--force", id]).then(
      () => console.log(`[reset] removed container ${id}`),
      (err: Error) => problems.push(`container ${id}: ${err.message}`),
    );
  }
  for (const dir of [f.agentDataDir, f.agentRunDir]) {
    for (const m of mountsUnder(await readMountInfo(), path.resolve(dir))) {
      await run(["umount", "-l", m.mountPoint]).catch((err: Error) => problems.push(`unmounting ${m.mountPoint}: ${err.message}`));
    }
  }
  const report = await cleanupNodeNetwork(undefined, { dataDir: f.agentDataDir, runDir: f.agentRunDir, cniPath: f.cniPath.split(":").filter(Boolean) });
  const pods = report.podNetwork!;
  console.log(`[reset] node network: ${report.proxyTable ? "removed" : "no"} nftables table ip gantry; ${pods.attachments} pod attachment(s)${pods.bridge ? ", the gantry0 bridge" : ""}, ${pods.routes} route(s) removed`);
  problems.push(...pods.problems);
  await removeCgroup(f.cgroupParent).catch((err: Error) => problems.push(`cgroup ${f.cgroupParent}: ${err.message}`));
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
