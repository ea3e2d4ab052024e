import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { execArg, renderUnit, unitName, type Role, type UnitSpec } from "./units";

const GANTRY = path.resolve(__dirname, "../gantry.js");

function spec(role: Role, daemonArgs: string[] = []): UnitSpec {
  return { role, nodePath: process.execPath, gantryPath: GANTRY, daemonArgs };
}

/** `systemd-analyze verify` on the unit in a directory of its own: its exit code and complaints. */
async function verify(role: Role, text: string): Promise<{ code: number; stderr: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gantry-unit-"));
  try {
    const file = path.join(dir, unitName(role));
    await writeFile(file, text);
    try {
      const r = await promisify(execFile)("systemd-analyze", ["verify", "--man=no", file], { cwd: dir });
      return { code: 0, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stderr?: string };
      return { code: typeof e.code === "number" ? e.code : -1, stderr: e.stderr ?? String(err) };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("agent unit: restarts always after 1 s, kills only the agent (containers live on), delegates its cgroup", () => {
  const text = renderUnit(spec("agent", ["--node-name", "n1", "--master", "https://10.0.0.1:6443"]));
  assert.equal(
    text,
    [
      "# Written by `gantry install agent`; `gantry uninstall agent` removes it.",
      "[Unit]",
      "Description=Gantry agent: runs this node's pods with runc under conmon",
      "After=network-online.target",
      "Wants=network-online.target",
      "StartLimitIntervalSec=0",
      "",
      "[Service]",
      "Type=exec",
      `ExecStart=${process.execPath} ${GANTRY} agent --node-name n1 --master https://10.0.0.1:6443`,
      "Restart=always",
      "RestartSec=1",
      "LimitNOFILE=1048576",
      "# Containers outlive a stop or restart of the agent: only the agent process is signalled;",
      "# conmon (in this cgroup) keeps each container, and the next agent adopts them.",
      "KillMode=process",
      "Delegate=yes",
      "TasksMax=infinity",
      "",
      "[Install]",
      "WantedBy=multi-user.target",
      "",
    ].join("\n"),
  );
});

test("master unit: restarts always, etcd stops with it (default KillMode), no Delegate", () => {
  const text = renderUnit(spec("master", ["--data-dir", "/var/lib/gantry/master"]));
  assert.match(text, /^ExecStart=\S+ \S+gantry\.js master --data-dir \/var\/lib\/gantry\/master$/m);
  for (const line of ["Restart=always", "RestartSec=1", "LimitNOFILE=1048576", "After=network-online.target", "Wants=network-online.target", "StartLimitIntervalSec=0"]) {
    assert.ok(text.split("\n").includes(line), `missing ${line}`);
  }
  assert.doesNotMatch(text, /KillMode|Delegate/);
});

test("execArg quotes what systemd would split or expand", () => {
  assert.equal(execArg("--node-name"), "--node-name");
  assert.equal(execArg("https://10.0.0.1:6443"), "https://10.0.0.1:6443");
  assert.equal(execArg("a b"), '"a b"');
  assert.equal(execArg(""), '""');
  assert.equal(execArg("100%"), "100%%");
  assert.equal(execArg("$HOME"), "$$HOME");
  assert.equal(execArg('say "hi" \\ now'), '"say \\"hi\\" \\\\ now"');
  assert.equal(execArg("a;b"), '"a;b"');
  assert.throws(() => execArg("two\nlines"), /control character/);
  assert.throws(() => renderUnit({ ...spec("agent"), nodePath: "node" }), /not an absolute path/);
});

for (const role of ["master", "agent"] as const) {
  test(`systemd-analyze verify accepts the ${role} unit, awkward flags included`, async () => {
    const text = renderUnit(spec(role, ["--data-dir", "/var/lib/gantry dir/100%", "--node-name", 'n"1', "--token", "$x\\y"]));
    const r = await verify(role, text);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), "", "systemd-analyze complained");
  });
}

test("systemd-analyze verify (the check above) rejects a broken unit, so it can fail", async () => {
  const broken = renderUnit(spec("agent")).replace("KillMode=process", "KillMode=processes").replace(`ExecStart=${process.execPath}`, "ExecStart=/nonexistent/node");
  const r = await verify("agent", broken);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /kill mode/);
  assert.match(r.stderr, /\/nonexistent\/node/);
});
