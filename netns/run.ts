// Runs a host tool (ip, nsenter, unshare, mount) and turns a failure into an Error that names
// the command and quotes its stderr, so a user reading an event sees why, not just "exit 1".

import { spawn } from "node:child_process";

export interface RunResult {
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`${argv.join(" ")} failed (${exitCode === null ? "killed" : `exit ${exitCode}`}): ${stderr.trim() || "no error output"}`);
    this.name = "CommandError";
  }
}

/** Runs argv[0] with the rest as arguments (no shell); resolves on exit 0, rejects otherwise. */
export function run(argv: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["pipe", "pipe", "pipe"], timeout: options.timeoutMs ?? 30_000 });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.once("error", (e) => reject(new CommandError(argv, null, e.message)));
    child.once("close", (code) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(argv, code, stderr));
    });
    // A tool that exits without reading stdin closes the pipe; that is not an error here.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}
