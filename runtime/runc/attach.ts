// Attaching to a container's main process through conmon (see attach-relay.ts for why a Perl
// relay sits between us and the socket). Output arrives from the moment of attaching — what
// was written before is in the log. Terminal resizes go to conmon's control FIFO as
// "1 <rows> <cols>\n". kill() detaches; it never signals the container.

import { spawn } from "node:child_process";
import { constants, promises as fs } from "node:fs";
import { PassThrough } from "node:stream";
import type { ExecProcess } from "../types";
import { quietStreamErrors } from "./quiet-streams";
import { FrameDecoder, relayReadyStream, relayScript, stderrStream, type RelayFrame } from "./attach-relay";

export interface AttachRequest {
  /** Directory holding conmon's `attach` socket and `ctl` FIFO (the bundle). */
  bundle: string;
  stdin: boolean;
  tty: boolean;
  perlPath: string;
  /** Resolves with the container's exit code once it has exited, undefined if still running. */
  exitCode: () => Promise<number | undefined>;
}

async function writeCtl(bundle: string, line: string): Promise<void> {
  let fh;
  try {
    fh = await fs.open(`${bundle}/ctl`, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return; // conmon is gone; nothing to resize
  }
  try {
    await fh.write(line);
  } finally {
    await fh.close();
  }
}

export async function attachToConmon(r: AttachRequest): Promise<ExecProcess> {
  // cwd = bundle and a relative socket name: the absolute path may exceed sun_path's 108 bytes.
  const relay = spawn(r.perlPath, ["-e", relayScript, "attach", r.stdin ? "1" : "0"], {
    cwd: r.bundle,
    stdio: [r.stdin ? "pipe" : "ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  quietStreamErrors(relay.stdin, relay.stdout, relay.stderr);
  let errText = "";
  relay.stderr?.on("data", (d: Buffer) => {
    if (errText.length < 4096) errText += d.toString();
  });
  const stdout = new PassThrough();
  const stderr = r.tty ? undefined : new PassThrough();
  const decoder = new FrameDecoder();
  (relay.stdout as NodeJS.ReadableStream).pipe(decoder);

  let ready!: () => void;
  let failed!: (err: Error) => void;
  const connected = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  // Output flow control: a reader that falls behind pauses the relay, and so conmon's socket.
  const resume = () => decoder.resume();
  decoder.on("data", (f: RelayFrame) => {
    if (f.stream === relayReadyStream) return ready();
    const out = f.stream === stderrStream && stderr ? stderr : stdout;
    if (!out.write(f.data)) {
      decoder.pause();
      out.once("drain", resume);
    }
  });

  const relayDone = new Promise<void>((resolve) => {
    relay.on("error", (err) => {
      failed(new Error(`cannot run ${r.perlPath} for attach: ${err.message}`));
      resolve();
    });
    relay.on("close", (code) => {
      if (code !== 0) failed(new Error(`attach to ${r.bundle}/attach failed: ${errText.trim() || `relay exited ${code}`}`));
      else ready(); // connected and the container finished before we looked
      stdout.end();
      stderr?.end();
      resolve();
    });
  });
  await connected;

  const exited = relayDone.then(async () => {
    // conmon closes attach connections just before writing the exit file.
    for (let i = 0; i < 100; i++) {
      const code = await r.exitCode();
      if (code !== undefined) return code;
      if (relay.signalCode) return -1; // we detached; the container runs on
      await new Promise((res) => setTimeout(res, 20));
    }
    return -1;
  });

  return {
    stdin: relay.stdin ?? undefined,
    stdout,
    stderr,
    resize: (cols: number, rows: number) => void writeCtl(r.bundle, `1 ${rows} ${cols}\n`),
    exited,
    kill: () => {
      relay.kill("SIGTERM");
    },
  };
}
