import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const GANTRY = path.resolve(__dirname, "gantry.js");

function gantry(args: string[]) {
  return promisify(execFile)(process.execPath, [GANTRY, ...args]);
}

test("gantry install writes the unit with the daemon flags; gantry uninstall removes it", { skip: existsSync("/run/systemd/system") && "systemd is PID 1 here: install would start the unit" }, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gantry-units-"));
  t.after(() => rm(dir, { recursive: true, force: true }));

  const out = await gantry(["install", "agent", "--unit-dir", dir, "--", "--node-name", "n 1", "--port", "10250"]);
  const file = path.join(dir, "gantry-agent.service");
  assert.match(out.stdout, new RegExp(`wrote ${file}`));
  assert.match(out.stdout, /systemd is not running here/);
  const text = await readFile(file, "utf8");
  assert.ok(text.includes(`ExecStart=${process.execPath} ${GANTRY} agent --node-name "n 1" --port 10250\n`), text);
  assert.match(text, /^KillMode=process$/m);

  await gantry(["install", "master", "--unit-dir", dir]);
  assert.match(await readFile(path.join(dir, "gantry-master.service"), "utf8"), /^ExecStart=\S+ \S+ master$/m);

  await gantry(["uninstall", "agent", "--unit-dir", dir]);
  assert.equal(existsSync(file), false);
  assert.equal(existsSync(path.join(dir, "gantry-master.service")), true);
});

test("gantry install refuses a role it does not know", async () => {
  await assert.rejects(gantry(["install", "etcd", "--unit-dir", os.tmpdir()]), (err: { stderr: string }) => /"etcd" is not a role: use master or agent/.test(err.stderr));
});
