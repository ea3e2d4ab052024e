// The systemd units `gantry install` writes: gantry-master.service and gantry-agent.service.
// Pure: the caller says where node and gantry.js are and which flags the daemon gets.
//
// Both restart forever, one second after any death (Restart=always, RestartSec=1,
// StartLimitIntervalSec=0 — systemd's default start limit would give up on a master whose etcd
// needs a few tries, for good); the journal records each exit with its code or signal.
//
// The agent's containers must outlive the agent: conmon stays in the agent unit's cgroup (pods
// themselves are in the agent's --cgroup-parent, /gantry by default), so KillMode=process makes
// stop and restart signal the agent process only, and Delegate=yes tells systemd the cgroups
// below the unit are the agent's to manage. TasksMax=infinity: every conmon counts against the
// unit. The master keeps the default KillMode=control-group: its etcd member is its child and
// stops with it.

export type Role = "master" | "agent";

export const ROLES: readonly Role[] = ["master", "agent"];

export interface UnitSpec {
  role: Role;
  /** Absolute path of the node binary. */
  nodePath: string;
  /** Absolute path of dist/cli/gantry.js. */
  gantryPath: string;
  /** Flags after `gantry <role>`. */
  daemonArgs: string[];
}

export function unitName(role: Role): string {
  return `gantry-${role}.service`;
}

const DESCRIPTION: Record<Role, string> = {
  master: "Gantry master: etcd member, Kubernetes API, controllers and scheduler",
  agent: "Gantry agent: runs this node's pods with runc under conmon",
};

export function renderUnit(spec: UnitSpec): string {
  for (const p of [spec.nodePath, spec.gantryPath]) {
    if (!p.startsWith("/")) throw new Error(`${p} is not an absolute path; systemd needs one in ExecStart`);
  }
  const execStart = [spec.nodePath, spec.gantryPath, spec.role, ...spec.daemonArgs].map(execArg).join(" ");
  const roleLines: Record<Role, string[]> = {
    master: [
      "# etcd runs as the master's child in this unit's cgroup and stops with it.",
      "TimeoutStopSec=60",
    ],
    agent: [
      "# Containers outlive a stop or restart of the agent: only the agent process is signalled;",
      "# conmon (in this cgroup) keeps each container, and the next agent adopts them.",
      "KillMode=process",
      "Delegate=yes",
      "TasksMax=infinity",
    ],
  };
  return [
    `# Written by \`gantry install ${spec.role}\`; \`gantry uninstall ${spec.role}\` removes it.`,
    "[Unit]",
    `Description=${DESCRIPTION[spec.role]}`,
    "After=network-online.target",
    "Wants=network-online.target",
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=exec",
    `ExecStart=${execStart}`,
    "Restart=always",
    "RestartSec=1",
    "LimitNOFILE=1048576",
    ...roleLines[spec.role],
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

/**
 * One ExecStart word: systemd splits on whitespace, honours double quotes with C escapes, and
 * expands `%` specifiers and `$` variables everywhere, so those are doubled.
 */
export function execArg(arg: string): string {
  // A control character would have to be a C escape; no flag needs one, so refuse it.
  if (/[\u0000-\u001f\u007f]/.test(arg)) throw new Error(`${JSON.stringify(arg)} contains a control character; it cannot go into a systemd unit`);
  const escaped = arg.replace(/%/g, "%%").replace(/\$/g, "$$$$");
  if (arg !== "" && /^[A-Za-z0-9_@%+=:,./$-]+$/.test(arg)) return escaped;
  return `"${escaped.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
