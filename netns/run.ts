// Runs a host tool (ip, nsenter, unshare, mount) and turns a failure into an Error that names
// the command and quotes its stderr, so a user reading an event sees why, not just "exit 1".

import { spawnPool } from "../runtime/spawn/spawn-pool";

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

/** Runs argv[0] with the rest as arguments (no shell); resolves on exit 0, rejects otherwise.
 *  The process is started by the spawn pool, off the event loop (runtime/spawn/). */
export async function run(argv: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  const r = await spawnPool().run({ argv: [...argv], input: options.input ?? "", timeoutMs: options.timeoutMs ?? 30_000 });
  if (r.spawnError !== undefined) throw new CommandError(argv, null, r.spawnError);
  if (r.code !== 0) throw new CommandError(argv, r.code, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}
