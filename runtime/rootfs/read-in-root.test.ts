import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readFileInRoot, resolveInRoot } from "./read-in-root";

async function tempRoot(t: { after(fn: () => Promise<void>): void }): Promise<{ root: string; outside: string }> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-rir-"));
  t.after(() => fs.rm(base, { recursive: true, force: true }));
  const root = path.join(base, "root");
  const outside = path.join(base, "outside");
  await fs.mkdir(path.join(root, "etc"), { recursive: true });
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, "passwd"), "host:x:0:0::/:/bin/sh\n");
  return { root, outside };
}

test("plain files are read", async (t) => {
  const { root } = await tempRoot(t);
  await fs.writeFile(path.join(root, "etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
  assert.equal(await readFileInRoot(root, "/etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
  assert.equal(await readFileInRoot(root, "/etc/group"), undefined);
  assert.equal(await readFileInRoot(root, "/etc/passwd/x"), undefined);
});

test("absolute symlinks resolve inside the root, never to the host", async (t) => {
  const { root, outside } = await tempRoot(t);
  await fs.mkdir(path.join(root, "real"));
  await fs.writeFile(path.join(root, "real/passwd"), "image:x:1:1::/:/bin/sh\n");
  await fs.symlink("/real/passwd", path.join(root, "etc/passwd"));
  assert.equal(await readFileInRoot(root, "/etc/passwd"), "image:x:1:1::/:/bin/sh\n");
  // A link aimed at the host's copy lands on <root>/<that path>, which does not exist.
  await fs.symlink(path.join(outside, "passwd"), path.join(root, "etc/group"));
  assert.equal(await readFileInRoot(root, "/etc/group"), undefined);
});

test("relative symlinks cannot climb above the root", async (t) => {
  const { root } = await tempRoot(t);
  await fs.symlink("../../../../outside/passwd", path.join(root, "etc/passwd"));
  assert.equal(await resolveInRoot(root, "/etc/passwd"), undefined);
  await fs.mkdir(path.join(root, "outside"));
  await fs.writeFile(path.join(root, "outside/passwd"), "clamped\n");
  assert.equal(await readFileInRoot(root, "/etc/passwd"), "clamped\n");
});

test("symlinked directories on the way are followed, loops are refused", async (t) => {
  const { root } = await tempRoot(t);
  await fs.mkdir(path.join(root, "data"));
  await fs.writeFile(path.join(root, "data/f"), "x");
  await fs.symlink("data", path.join(root, "d"));
  assert.equal(await readFileInRoot(root, "d/f"), "x");
  await fs.symlink("/loop2", path.join(root, "loop1"));
  await fs.symlink("/loop1", path.join(root, "loop2"));
  await assert.rejects(readFileInRoot(root, "/loop1"), /too many levels/);
});

test("directories and oversize files", async (t) => {
  const { root } = await tempRoot(t);
  assert.equal(await readFileInRoot(root, "/etc"), undefined);
  await fs.writeFile(path.join(root, "big"), "0123456789");
  assert.equal(await readFileInRoot(root, "/big", 4), "0123");
});
