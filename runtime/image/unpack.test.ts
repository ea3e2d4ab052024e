import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { FixedMtime, makeTar, sha256, type TarEntry } from "../../test/images/build";
import { ImageError } from "./types";
import { unpackLayer, type UnpackResult } from "./unpack";

const asRoot = process.getuid?.() === 0;

describe("unpackLayer", () => {
  let dir: string;
  let tmpDir: string;
  let outside: string;
  let n = 0;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-unpack-test-"));
    tmpDir = path.join(dir, "tmp");
    outside = path.join(dir, "outside");
    await fs.mkdir(outside);
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  async function unpack(entries: TarEntry[] | Buffer, opts: { gzip?: boolean; expectedDiffId?: string } = {}): Promise<{ dest: string; result: UnpackResult; tarBytes: Buffer }> {
    const tarBytes = Buffer.isBuffer(entries) ? entries : await makeTar(entries);
    const blob = opts.gzip === false ? tarBytes : gzipSync(tarBytes);
    const dest = path.join(dir, `layer-${n++}`);
    const result = await unpackLayer([blob], { dest, tmpDir, expectedDiffId: opts.expectedDiffId });
    return { dest, result, tarBytes };
  }

  /** Unpack must fail with `code`, leaving no dest, no temp dir and nothing outside. */
  async function refuses(entries: TarEntry[] | Buffer, code: string, message: RegExp, blob?: Buffer): Promise<void> {
    const dest = path.join(dir, `layer-${n++}`);
    const bytes = blob ?? gzipSync(Buffer.isBuffer(entries) ? entries : await makeTar(entries));
    await assert.rejects(unpackLayer([bytes], { dest, tmpDir }), (err: unknown) => {
      assert.ok(err instanceof ImageError, `expected ImageError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      assert.match(err.message, message);
      return true;
    });
    await assert.rejects(fs.lstat(dest), { code: "ENOENT" }, "no layer dir may appear");
    assert.deepEqual(await fs.readdir(tmpDir), [], "no temp dir may remain");
    assert.deepEqual(await fs.readdir(outside), [], "nothing may be written outside");
  }

  it("keeps content, mode, owner, mtime, xattrs, symlinks and hardlinks", async () => {
    const mtime = new Date("2021-05-06T07:08:09Z");
    const { dest, result, tarBytes } = await unpack([
      { name: "./", type: "directory", mode: 0o755 },
      { name: "etc/", type: "directory", mode: 0o711, uid: 7, gid: 8, mtime },
      { name: "etc/conf", content: "x=1\n", mode: 0o640, uid: 1000, gid: 1001, mtime, pax: { "SCHILY.xattr.user.note": "hi there" } },
      { name: "bin/tool", content: "#!/bin/sh\n", mode: 0o4755 },
      { name: "tmp/", type: "directory", mode: 0o1777 },
      { name: "etc/alias", type: "symlink", linkname: "/etc/conf" },
      { name: "etc/dangling", type: "symlink", linkname: "../../../nowhere" },
      { name: "etc/hard", type: "link", linkname: "etc/conf" },
      { name: "deep/er/file", content: "implicit parents" },
      { name: "pipe", type: "fifo", mode: 0o640 },
    ]);
    assert.equal(result.diffId, sha256(tarBytes));
    assert.equal(result.size, tarBytes.length);
    assert.equal(result.entries, 10);
    assert.deepEqual(result.warnings, []);

    assert.equal(await fs.readFile(path.join(dest, "etc/conf"), "utf8"), "x=1\n");
    const conf = await fs.lstat(path.join(dest, "etc/conf"));
    assert.equal(conf.mode & 0o7777, 0o640);
    assert.equal(conf.mtime.getTime(), mtime.getTime());
    if (asRoot) assert.deepEqual([conf.uid, conf.gid], [1000, 1001]);
    const etc = await fs.lstat(path.join(dest, "etc"));
    assert.equal(etc.mode & 0o7777, 0o711);
    assert.equal(etc.mtime.getTime(), mtime.getTime(), "directory mtime is set after its children");
    if (asRoot) assert.deepEqual([etc.uid, etc.gid], [7, 8]);
    assert.equal((await fs.lstat(path.join(dest, "bin/tool"))).mode & 0o7777, 0o4755);
    assert.equal((await fs.lstat(path.join(dest, "tmp"))).mode & 0o7777, 0o1777);
    assert.equal(await fs.readlink(path.join(dest, "etc/alias")), "/etc/conf");
    assert.equal(await fs.readlink(path.join(dest, "etc/dangling")), "../../../nowhere");
    assert.equal((await fs.lstat(path.join(dest, "etc/hard"))).ino, conf.ino);
    assert.equal(await fs.readFile(path.join(dest, "deep/er/file"), "utf8"), "implicit parents");
    assert.equal((await fs.lstat(path.join(dest, "deep"))).mode & 0o777, 0o755);
    const pipe = await fs.lstat(path.join(dest, "pipe"));
    assert.ok(pipe.isFIFO());
    assert.equal(pipe.mode & 0o777, 0o640);
    assert.equal(pipe.mtime.getTime(), FixedMtime.getTime());
    assert.equal(execFileSync("getfattr", ["--absolute-names", "--only-values", "-n", "user.note", path.join(dest, "etc/conf")], { encoding: "utf8" }), "hi there");
    assert.deepEqual(await fs.readdir(tmpDir), []);
  });

  it("detects gzip by magic bytes: plain and gzipped tars give the same diff ID", async () => {
    const entries: TarEntry[] = [{ name: "a.txt", content: "same" }];
    const plain = await unpack(entries, { gzip: false });
    const gz = await unpack(entries, { gzip: true });
    assert.equal(plain.result.diffId, gz.result.diffId);
    assert.equal(await fs.readFile(path.join(plain.dest, "a.txt"), "utf8"), "same");
  });

  it("turns OCI whiteouts into overlayfs whiteouts and opaque directories", async () => {
    const { dest } = await unpack([
      { name: ".wh.gone.txt" },
      { name: "dir/", type: "directory" },
      { name: "dir/.wh..wh..opq" },
      { name: "dir/kept", content: "k" },
      { name: "other/.wh.sub" },
      { name: "here.txt", content: "in this layer" },
      { name: ".wh.here.txt" },
      { name: "cdev-whiteout", type: "character-device", devmajor: 0, devminor: 0 },
      { name: ".wh..wh.plnk" },
    ]);
    for (const rel of ["gone.txt", "other/sub", "cdev-whiteout"]) {
      const st = await fs.lstat(path.join(dest, rel));
      assert.ok(st.isCharacterDevice(), `${rel} is a char device`);
      assert.equal(st.rdev, 0, `${rel} is 0/0`);
    }
    assert.equal(await fs.readFile(path.join(dest, "here.txt"), "utf8"), "in this layer", "a whiteout never hides its own layer's file");
    assert.equal(execFileSync("getfattr", ["--absolute-names", "--only-values", "-n", "trusted.overlay.opaque", path.join(dest, "dir")], { encoding: "utf8" }), "y");
    assert.deepEqual((await fs.readdir(dest)).sort(), ["cdev-whiteout", "dir", "gone.txt", "here.txt", "other"]);
    assert.deepEqual(await fs.readdir(path.join(dest, "dir")), ["kept"]);
  });

  it("makes absolute entry names relative to the layer root", async () => {
    const target = path.join(outside, "abs.txt");
    const { dest } = await unpack([{ name: target, content: "inside" }]);
    assert.equal(await fs.readFile(path.join(dest, target), "utf8"), "inside");
    assert.deepEqual(await fs.readdir(outside), []);
  });

  it("follows symlinks only inside the root", async () => {
    const { dest } = await unpack([
      { name: "usr/lib/", type: "directory" },
      { name: "lib", type: "symlink", linkname: "usr/lib" },
      { name: "lib/rel.so", content: "r" },
      { name: "abs", type: "symlink", linkname: "/usr/lib" },
      { name: "abs/abs.so", content: "a" },
      { name: "dotdot", type: "symlink", linkname: "usr/../usr/lib" },
      { name: "dotdot/dd.so", content: "d" },
    ]);
    assert.deepEqual((await fs.readdir(path.join(dest, "usr/lib"))).sort(), ["abs.so", "dd.so", "rel.so"]);
    assert.ok((await fs.lstat(path.join(dest, "lib"))).isSymbolicLink());
  });

  it("refuses an entry that climbs out with ..", () => refuses([{ name: "ok" }, { name: "a/../../escape.txt", content: "x" }], "UnsafeLayer", /climbs out of the layer root/));

  it("resolves an absolute symlink inside the root, as the container will see it", async () => {
    const { dest } = await unpack([{ name: "evil", type: "symlink", linkname: outside }, { name: "evil/pwned", content: "x" }]);
    assert.equal(await fs.readFile(path.join(dest, outside, "pwned"), "utf8"), "x");
    assert.equal(await fs.readlink(path.join(dest, "evil")), outside);
    assert.deepEqual(await fs.readdir(outside), []);
  });

  it("refuses to write through a relative symlink that climbs out", () =>
    refuses([{ name: "a/up", type: "symlink", linkname: "../../../../../../../../.." }, { name: `a/up${outside}/pwned`, content: "x" }], "UnsafeLayer", /outside the layer root/));

  it("refuses symlink loops", () =>
    refuses([{ name: "l1", type: "symlink", linkname: "l2" }, { name: "l2", type: "symlink", linkname: "l1" }, { name: "l1/x", content: "x" }], "UnsafeLayer", /too many levels/));

  it("refuses hardlinks out of the root, to missing targets and to directories", async () => {
    await refuses([{ name: "h", type: "link", linkname: "../../../../etc/passwd" }], "UnsafeLayer", /climbs out/);
    await refuses([{ name: "h", type: "link", linkname: "/etc/passwd" }], "BadLayer", /does not exist in this layer|not in this layer/);
    await refuses([{ name: "d/", type: "directory" }, { name: "h", type: "link", linkname: "d" }], "UnsafeLayer", /points to a directory/);
    await refuses([{ name: "out", type: "symlink", linkname: "../../.." }, { name: "h", type: "link", linkname: "out/etc/passwd" }], "UnsafeLayer", /outside/);
  });

  it("refuses device nodes other than the 0/0 whiteout", async () => {
    await refuses([{ name: "dev/null", type: "character-device", devmajor: 1, devminor: 3 }], "UnsafeLayer", /character device \(1:3\)/);
    await refuses([{ name: "dev/sda", type: "block-device", devmajor: 8, devminor: 0 }], "UnsafeLayer", /block device \(8:0\)/);
  });

  it("does not let a later entry redirect deferred work through a symlink", async () => {
    const { dest } = await unpack([
      { name: "d/", type: "directory", mode: 0o700 },
      { name: "d/.wh.x" },
      { name: "d/.wh..wh..opq" },
      { name: "d", type: "symlink", linkname: outside },
    ]);
    assert.equal(await fs.readlink(path.join(dest, "d")), outside);
    assert.deepEqual(await fs.readdir(outside), []);
    assert.equal((await fs.stat(outside)).mode & 0o777, 0o755, "the outside dir's mode is untouched");
  });

  it("does not write through a directory that a later entry replaced with a symlink", async () => {
    // The unpack remembers directories it has seen; once `d` is a symlink to the host's
    // `outside`, `d/late` must be resolved again (into the root), not written through it.
    const { dest } = await unpack([
      { name: "d/", type: "directory" },
      { name: "d/early", content: "e" },
      { name: "d", type: "symlink", linkname: outside },
      { name: "d/late", content: "l" },
      { name: "s/", type: "directory" },
      { name: "s/sub/", type: "directory" },
      { name: "s", type: "symlink", linkname: outside },
      { name: "s/sub/deep", content: "x" },
    ]);
    assert.deepEqual(await fs.readdir(outside), [], "nothing may be written outside");
    assert.equal(await fs.readFile(path.join(dest, outside, "late"), "utf8"), "l");
    assert.equal(await fs.readFile(path.join(dest, outside, "sub/deep"), "utf8"), "x");
    assert.equal(await fs.readlink(path.join(dest, "d")), outside);
  });

  it("replaces earlier entries with later ones of another type", async () => {
    const { dest } = await unpack([{ name: "a/", type: "directory" }, { name: "a/inner", content: "x" }, { name: "a", content: "now a file" }]);
    assert.equal(await fs.readFile(path.join(dest, "a"), "utf8"), "now a file");
  });

  it("refuses a truncated gzip stream and leaves nothing", async () => {
    const full = gzipSync(await makeTar([{ name: "big", content: Buffer.alloc(200_000, 5) }, { name: "z", content: "z" }]));
    await refuses([], "BadLayer", /not a valid gzip tar stream/, full.subarray(0, full.length >> 1));
  });

  it("refuses a truncated plain tar and garbage", async () => {
    const tarBytes = await makeTar([{ name: "big", content: Buffer.alloc(20_000, 5) }]);
    await refuses([], "BadLayer", /not a valid tar stream: Unexpected end of data/, tarBytes.subarray(0, 10_000));
    await refuses([], "BadLayer", /not a valid tar stream/, Buffer.alloc(1024, 0x41));
  });

  it("refuses zstd and xz layers as Unsupported", async () => {
    await refuses([], "Unsupported", /zstd/, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
    await refuses([], "Unsupported", /xz/, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 0, 0]));
  });

  it("fails on a diff ID mismatch and leaves nothing", async () => {
    const dest = path.join(dir, `layer-${n++}`);
    const blob = gzipSync(await makeTar([{ name: "f", content: "f" }]));
    const wrong = sha256("not this layer");
    await assert.rejects(unpackLayer([blob], { dest, tmpDir, expectedDiffId: wrong }), { code: "DigestMismatch", message: new RegExp(`config says ${wrong}`) });
    await assert.rejects(fs.lstat(dest), { code: "ENOENT" });
    assert.deepEqual(await fs.readdir(tmpDir), []);
  });

  it("drops xattrs outside user.* and security.*, so a layer cannot forge overlay metadata", async () => {
    const { dest, result } = await unpack([
      { name: "f", content: "f", pax: { "SCHILY.xattr.trusted.overlay.opaque": "y", "SCHILY.xattr.trusted.overlay.redirect": "/etc", "SCHILY.xattr.user.ok": "1" } },
    ]);
    assert.equal(result.warnings.length, 2);
    assert.match(result.warnings.join("\n"), /dropped xattr trusted.overlay.opaque/);
    const dump = execFileSync("getfattr", ["--absolute-names", "-d", "-m", "-", path.join(dest, "f")], { encoding: "utf8" });
    assert.match(dump, /user.ok="1"/);
    assert.doesNotMatch(dump, /trusted/);
  });

  it("lets two unpacks of the same layer race to one directory", async () => {
    const blob = gzipSync(await makeTar([{ name: "r", content: "race" }]));
    const dest = path.join(dir, `layer-${n++}`);
    await Promise.all([unpackLayer([blob], { dest, tmpDir }), unpackLayer([blob], { dest, tmpDir })]);
    assert.deepEqual(await fs.readdir(dest), ["r"]);
    assert.deepEqual(await fs.readdir(tmpDir), []);
  });
});
