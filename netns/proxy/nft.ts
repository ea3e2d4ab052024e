// `nft` as the proxy uses it: one script per transaction on stdin (atomic: all of it or none),
// with errors that name the failing line of the script.

import type { CommandRunner } from "../host-commands";
import { CommandError } from "../run";
import { TABLE } from "./base-rules";

export class NftError extends Error {
  constructor(
    message: string,
    /** 1-based line of the script nft refused; 0 if it named none. */
    readonly line: number,
    readonly lineText: string,
  ) {
    super(message);
    this.name = "NftError";
  }
}

const MAX_QUOTE = 400;

/** The first "<file>:<line>:<col>: Error: …" of nft's output, with the script line it names. */
export function explainNftFailure(script: string, stderr: string): NftError {
  const m = /^[^\n:]*:(\d+):[\d-]+: Error: ([^\n]*)/m.exec(stderr);
  if (!m) return new NftError(`nft failed: ${stderr.trim().slice(0, MAX_QUOTE) || "no error output"}`, 0, "");
  const line = Number(m[1]);
  const text = script.split("\n")[line - 1] ?? "";
  const quoted = text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
  return new NftError(`nft refused line ${line}: ${m[2]}: ${quoted}`, line, text);
}

export class Nft {
  constructor(private readonly exec: CommandRunner) {}

  /** Runs `script` as one transaction. */
  async apply(script: string): Promise<void> {
    try {
      await this.exec(["nft", "-f", "-"], { input: script, timeoutMs: 120_000 });
    } catch (err) {
      if (err instanceof CommandError) throw explainNftFailure(script, err.stderr);
      throw err;
    }
  }

  /** Output of `nft list <what>` inside the table, e.g. list("chain", "services"). */
  async list(kind: "chain" | "map" | "set" | "table", name?: string): Promise<string> {
    const target = kind === "table" ? [TABLE] : [TABLE, name ?? ""];
    const r = await this.exec(["nft", "list", kind, ...target.join(" ").split(" ")], { timeoutMs: 60_000 });
    return r.stdout;
  }

  async tableExists(): Promise<boolean> {
    const r = await this.exec(["nft", "list", "tables", "ip"], { timeoutMs: 30_000 });
    return r.stdout.split("\n").some((l) => l.trim() === `table ${TABLE}`);
  }

  /** Removes the table and everything in it; true if there was one. */
  async deleteTable(): Promise<boolean> {
    const existed = await this.tableExists();
    // `add` first: deleting a table that is already gone is then no error.
    await this.apply(`add table ${TABLE}\ndelete table ${TABLE}\n`);
    return existed;
  }
}
