import { test } from "node:test";
import assert from "node:assert/strict";
import { mountsUnder, parseMountInfo } from "./mountinfo";

const sample = [
  "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw",
  "44 22 0:39 / /var/lib/gantry/c/x/bundle/rootfs rw,relatime - overlay overlay rw,lowerdir=l/0,upperdir=upper,workdir=work",
  "45 44 0:40 / /var/lib/gantry/c/x/bundle/rootfs/proc rw - proc proc rw",
  "46 22 0:41 / /mnt/with\\040space rw master:3 - tmpfs tmpfs rw,size=1k",
  "garbage line",
  "",
].join("\n");

test("parseMountInfo reads mount point, type, source and unescapes octal", () => {
  const entries = parseMountInfo(sample);
  assert.equal(entries.length, 4);
  assert.deepEqual(entries[1], {
    mountPoint: "/var/lib/gantry/c/x/bundle/rootfs",
    fsType: "overlay",
    source: "overlay",
    superOptions: "rw,lowerdir=l/0,upperdir=upper,workdir=work",
  });
  assert.equal(entries[3].mountPoint, "/mnt/with space");
  assert.equal(entries[3].fsType, "tmpfs");
});

test("mountsUnder lists a directory's mounts deepest first and ignores name prefixes", () => {
  const entries = parseMountInfo(sample + "47 22 0:42 / /var/lib/gantry/c/x/bundle/rootfs2 rw - tmpfs tmpfs rw\n");
  assert.deepEqual(
    mountsUnder(entries, "/var/lib/gantry/c/x/bundle/rootfs").map((m) => m.mountPoint),
    ["/var/lib/gantry/c/x/bundle/rootfs/proc", "/var/lib/gantry/c/x/bundle/rootfs"],
  );
  assert.deepEqual(mountsUnder(entries, "/nothing"), []);
});
