// A command run on a terminal, for `kubectl exec -it` tests: util-linux `script` gives it a pty
// (plain `timeout` would get kubectl stopped by SIGTTOU), and the test types into it and waits
// for what the terminal shows.

import type { ChildProcess, SpawnOptions } from "node:child_process";
import { waitFor } from "./wait";

export interface Terminal {
  /** Types `text` (end lines with "\r", as a terminal sends Enter). */
  type(text: string): void;
  /** Waits until the output so far matches; fails showing the terminal. */
  expect(what: string, pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The command's exit status (script -e passes it through), or -2 after `timeoutMs`. */
  exitCode(timeoutMs?: number): Promise<number>;
  output(): string;
  kill(): void;
}

/** Runs `command` (a shell command line) under `script` in `host` (a test host, or node's child_process). */
export function startTerminal(host: { spawn(command: string, args: string[], options: SpawnOptions): ChildProcess }, command: string): Terminal {
  const child = host.spawn("script", ["-qec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
  return {
    type: (text) => child.stdin!.write(text),
    async expect(what, pattern, timeoutMs = 15_000) {
      await waitFor(what, async () => pattern.test(out), timeoutMs).catch((err: Error) => {
        throw new Error(`${err.message}; the terminal showed ${JSON.stringify(out)}`);
      });
    },
    exitCode: (timeoutMs = 15_000) => Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(-2), timeoutMs))]),
    output: () => out,
    kill: () => child.kill("SIGKILL"),
  };
}
