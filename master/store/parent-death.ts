// A child that dies with its parent: `setpriv --pdeathsig <signal>` asks the kernel to signal the
// child when the process that started it dies, even by SIGKILL, then execs the real command (so
// the pid we hold is the command's own). Used for the master's etcd member and by
// `gantry supervise` for its daemon. Without setpriv (util-linux) the command runs as it is.

import { accessSync, constants } from "node:fs";

const SETPRIV = "/usr/bin/setpriv";

/** The argv that runs `command args` under a parent-death `signal` where setpriv exists. */
export function withParentDeathSignal(command: string, args: string[], signal: NodeJS.Signals): [string, string[]] {
  return hasSetpriv() ? [SETPRIV, ["--pdeathsig", signal, command, ...args]] : [command, args];
}

let setprivPresent: boolean | undefined;
function hasSetpriv(): boolean {
  if (setprivPresent === undefined) {
    try {
      accessSync(SETPRIV, constants.X_OK);
      setprivPresent = true;
    } catch {
      setprivPresent = false;
    }
  }
  return setprivPresent;
}
