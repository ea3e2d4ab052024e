// `gantry supervise --name N --pid-file F [--log-file L] -- <command...>`: runs a daemon and
// restarts it when it dies, for hosts where systemd is not PID 1 (`make up` there). See
// cli/supervisor/supervisor.ts for what it promises.

import { InvalidArgumentError, type Command } from "commander";
import pino from "pino";
import { Supervisor } from "./supervisor/supervisor";

function stopTimeout(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new InvalidArgumentError("not a whole number of seconds between 1 and 3600");
  return n;
}

export function registerSuperviseCommand(program: Command): void {
  program
    .command("supervise")
    .description("run a daemon, restart it within 2 s whenever it dies, pass SIGTERM/SIGINT on to it (for hosts without systemd)")
    .requiredOption("--name <name>", "the daemon's name in log lines, e.g. master")
    .requiredOption("--pid-file <file>", "where the supervisor writes its own pid while it runs")
    .option("--log-file <file>", "append the daemon's output and the supervisor's own lines here (default: this process's stdout/stderr)")
    .option("--stop-timeout <seconds>", "after SIGTERM, how long the daemon may take before its process group is killed", stopTimeout, 30)
    .argument("<command...>", "the daemon's command line, after --")
    .action(async (command: string[], opts: { name: string; pidFile: string; logFile?: string; stopTimeout: number }) => {
      const destination = opts.logFile ? pino.destination({ dest: opts.logFile, append: true, mkdir: true, sync: true }) : pino.destination({ fd: 2, sync: true });
      const log = pino({ name: "gantry-supervise", level: process.env.GANTRY_LOG_LEVEL ?? "info", base: { pid: process.pid, daemon: opts.name } }, destination);
      const supervisor = new Supervisor({ name: opts.name, command, pidFile: opts.pidFile, logFile: opts.logFile, stopTimeoutMs: opts.stopTimeout * 1000, log });
      const code = await supervisor.run();
      process.exit(code);
    });
}
