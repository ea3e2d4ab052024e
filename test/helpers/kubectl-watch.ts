// `kubectl get <what> -w --output-watch-events -o json` run in a test host, its stream parsed
// into watch events as they arrive. Tests use it to check an invariant at every step of a
// change (e.g. "never fewer than N pods available during a rollout") the way a user watching
// with kubectl would see it, instead of sampling with polls that can miss the worst moment.

import type { ChildProcess } from "node:child_process";
import type { TestHost } from "./netns-hosts";

export interface WatchedEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

export interface KubectlWatch<T> {
  /** Every event so far, in the order kubectl printed them. */
  readonly events: WatchedEvent<T>[];
  /** Called with each event as it is parsed. */
  onEvent(handler: (e: WatchedEvent<T>) => void): void;
  /** kubectl's stderr so far (for failure messages). */
  stderr(): string;
  /** Ends the watch (SIGTERM to kubectl) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Splits kubectl's `-o json` watch output (JSON objects one after another: one per line with
 * --output-watch-events, pretty-printed without) into the complete top-level objects it holds,
 * returning them and the unparsed rest. Tracks brace depth outside strings.
 */
export function splitJsonStream(buffer: string): { objects: unknown[]; rest: string } {
  const objects: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < buffer.length; i++) {
    const ch = buffer[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{") {
      if (depth++ === 0) start = i;
    } else if (ch === "}" && --depth === 0) {
      objects.push(JSON.parse(buffer.slice(start, i + 1)));
      start = -1;
    }
  }
  return { objects, rest: start === -1 ? "" : buffer.slice(start) };
}

export function watchWithKubectl<T>(host: TestHost, kubectlArgs: string[]): KubectlWatch<T> {
  // --request-timeout=0 overrides any timeout in the caller's global flags: a watch must not end early.
  const child: ChildProcess = host.spawn("kubectl", [...kubectlArgs, "-w", "--output-watch-events", "-o", "json", "--request-timeout=0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: WatchedEvent<T>[] = [];
  const handlers: ((e: WatchedEvent<T>) => void)[] = [];
  let pending = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    const { objects, rest } = splitJsonStream(pending + chunk);
    pending = rest;
    for (const o of objects) {
      const e = o as WatchedEvent<T>;
      events.push(e);
      for (const h of handlers) h(e);
    }
  });
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    events,
    onEvent: (h) => handlers.push(h),
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
