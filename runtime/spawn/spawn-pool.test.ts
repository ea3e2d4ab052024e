// The spawn pool runs real processes in its worker threads.

import { test } from "node:test";
import assert from "node:assert/strict";
import { SpawnPool } from "./spawn-pool";

test("output, exit code, stdin, a missing binary and a timeout come back as results", async (t) => {
  const pool = new SpawnPool(2);
  t.after(() => pool.close());
  const ok = await pool.run({ argv: ["sh", "-c", "cat; echo err >&2; exit 3"], input: "in\n" });
  assert.deepEqual({ code: ok.code, stdout: ok.stdout, stderr: ok.stderr, timedOut: ok.timedOut }, { code: 3, stdout: "in\n", stderr: "err\n", timedOut: false });
  const missing = await pool.run({ argv: ["/nonexistent/tool"] });
  assert.match(missing.spawnError ?? "", /ENOENT/);
  const slow = await pool.run({ argv: ["sleep", "10"], timeoutMs: 200 });
  assert.equal(slow.timedOut, true);
  assert.equal(slow.signal, "SIGTERM");
  const env = await pool.run({ argv: ["sh", "-c", "echo $GANTRY_X; pwd"], env: { GANTRY_X: "y", PATH: process.env.PATH ?? "/usr/bin:/bin" }, cwd: "/tmp" });
  assert.equal(env.stdout, "y\n/tmp\n");
});

test("syncPipe: the first line on fd 3 once the launcher exited, though a child it left keeps the pipe", async (t) => {
  const pool = new SpawnPool(1);
  t.after(() => pool.close());
  const started = performance.now();
  // The background sleep holds fd 3 and stderr for 20 s, as conmon's monitor does.
  const r = await pool.run({ argv: ["sh", "-c", 'echo \'{"data": 42}\' >&3; sleep 20 & echo $! >&2'], syncPipe: true, detached: true, timeoutMs: 10_000 });
  const sleeper = Number(r.stderr.trim());
  t.after(() => {
    try {
      process.kill(sleeper);
    } catch {
      // gone already
    }
  });
  assert.equal(r.syncLine, '{"data": 42}');
  assert.equal(r.code, 0);
  assert.ok(performance.now() - started < 5000, "the result does not wait for the pipe to close");
  const none = await pool.run({ argv: ["sh", "-c", "exit 1"], syncPipe: true, timeoutMs: 10_000 });
  assert.equal(none.syncLine, undefined);
  assert.equal(none.code, 1);
});

test("requests spread over the workers and all complete", async (t) => {
  const pool = new SpawnPool(3);
  t.after(() => pool.close());
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) => pool.run({ argv: ["sh", "-c", `sleep 0.2; echo ${i}`] })));
  assert.deepEqual(results.map((r) => r.stdout.trim()), Array.from({ length: 12 }, (_, i) => String(i)));
});
