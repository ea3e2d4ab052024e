import { test } from "node:test";
import assert from "node:assert/strict";
import { RuntimeError } from "../types";
import { parseGroup, parsePasswd, resolveUser } from "./user";

const passwd = [
  "root:x:0:0:root:/root:/bin/sh",
  "# a comment",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "app:x:1000:1000:App:/home/app:/bin/sh",
  "broken:x:notanumber:0::/:/bin/sh",
  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
  "",
].join("\n");

const group = [
  "root:x:0:",
  "wheel:x:10:root,app",
  "app:x:1000:",
  "audio:x:29:app",
  "staff:x:50:daemon",
  "nogroup:x:65534:",
].join("\n");

test("parsePasswd skips comments and malformed lines", () => {
  assert.deepEqual(
    parsePasswd(passwd).map((p) => p.name),
    ["root", "daemon", "app", "nobody"],
  );
  assert.deepEqual(parseGroup(group)[1], { name: "wheel", gid: 10, members: ["root", "app"] });
});

test("no user means root with root's supplementary groups", () => {
  assert.deepEqual(resolveUser(undefined, passwd, group), { uid: 0, gid: 0, additionalGids: [10], home: "/root" });
});

test("a name takes uid, primary gid, home and member groups from the rootfs", () => {
  assert.deepEqual(resolveUser("app", passwd, group), { uid: 1000, gid: 1000, additionalGids: [10, 29], home: "/home/app" });
});

test("numeric uid known to passwd gets its primary group", () => {
  assert.deepEqual(resolveUser("65534", passwd, group), { uid: 65534, gid: 65534, additionalGids: [], home: "/nonexistent" });
});

test("numeric uid unknown to passwd gets gid 0 and no home", () => {
  assert.deepEqual(resolveUser("4242", passwd, group), { uid: 4242, gid: 0, additionalGids: [] });
  assert.deepEqual(resolveUser("4242", "", ""), { uid: 4242, gid: 0, additionalGids: [] });
});

test("explicit group, numeric or by name, replaces the user's groups", () => {
  assert.deepEqual(resolveUser("app:50", passwd, group), { uid: 1000, gid: 50, additionalGids: [], home: "/home/app" });
  assert.deepEqual(resolveUser("1000:audio", passwd, group), { uid: 1000, gid: 29, additionalGids: [], home: "/home/app" });
  assert.deepEqual(resolveUser("7:8", "", ""), { uid: 7, gid: 8, additionalGids: [] });
});

test("unknown names are InvalidConfig with Docker's wording", () => {
  assert.throws(
    () => resolveUser("ghost", passwd, group),
    (e: unknown) => e instanceof RuntimeError && e.code === "InvalidConfig" && /unable to find user ghost: no matching entries in passwd file/.test(e.message),
  );
  assert.throws(
    () => resolveUser("app:ghosts", passwd, group),
    (e: unknown) => e instanceof RuntimeError && e.code === "InvalidConfig" && /unable to find group ghosts/.test(e.message),
  );
  assert.throws(() => resolveUser("app", "", ""), RuntimeError);
});
