// A container's state as the agent sees it, put together from three witnesses that can each
// be missing: our metadata (labels, timestamps), conmon's exit/oom files, and runc's state.
//
//   exit file present              → exited, with its code (conmon wrote it after draining
//                                    the output, so the log is complete)
//   runc: created                  → created
//   runc: running/pausing/paused   → running
//   runc: stopped, no exit file    → conmon is about to write it (wait briefly); if conmon is
//                                    gone without writing it (killed), exited with 255, the
//                                    code CRI-O reports for a lost exit status
//   runc does not know the id      → created while this process is creating it (the
//                                    directory and meta.json exist from the start of
//                                    createContainer, runc's state only once `runc create`
//                                    under conmon has saved it); otherwise unknown (e.g. runc's
//                                    tmpfs state lost in a reboot, or a create that died half way)

import type { ContainerState, ContainerStatusName } from "../types";
import type { RuncState } from "./runc-cli";
import type { ContainerMeta } from "./metadata";
import type { ExitRecord } from "./exit-status";

export const lostExitCode = 255;

export interface StateWitnesses {
  meta: ContainerMeta;
  exit?: ExitRecord;
  /** null: runc does not know the container. */
  runc: RuncState | null;
  /** A createContainer for it is in flight in this process. */
  creating?: boolean;
  oomKilled: boolean;
  now: Date;
}

export function deriveState(w: StateWitnesses): ContainerState {
  const base = {
    id: w.meta.id,
    labels: w.meta.labels,
    createdAt: w.meta.createdAt,
    logPath: w.meta.logPath,
    ...(w.meta.startedAt ? { startedAt: w.meta.startedAt } : {}),
  };
  if (w.exit) {
    return { ...base, status: "exited", exitCode: w.exit.exitCode, finishedAt: w.meta.finishedAt ?? w.exit.finishedAt.toISOString(), oomKilled: w.oomKilled };
  }
  if (w.runc === null) return { ...base, status: w.creating ? "created" : "unknown" };
  const status = runcStatus(w.runc.status);
  if (status === "exited") {
    return { ...base, status, exitCode: lostExitCode, finishedAt: w.meta.finishedAt ?? w.now.toISOString(), oomKilled: w.oomKilled };
  }
  return { ...base, status, ...(w.runc.pid > 0 ? { pid: w.runc.pid } : {}) };
}

export function runcStatus(s: string): ContainerStatusName {
  switch (s) {
    case "created":
      return "created";
    case "running":
    case "pausing":
    case "paused":
      return "running";
    case "stopped":
      return "exited";
    default:
      return "unknown";
  }
}
