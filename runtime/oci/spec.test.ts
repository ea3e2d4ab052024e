import { test } from "node:test";
import assert from "node:assert/strict";
import { RuntimeError, type ContainerConfig } from "../types";
import { buildSpec, cgroupsPathFor } from "./spec";

function config(over: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    id: "c1",
    labels: { pod: "p" },
    layers: ["/l/0"],
    args: ["/bin/sh", "-c", "echo hi"],
    env: ["FOO=bar"],
    workingDir: "/work",
    hostname: "web-0",
    mounts: [],
    resources: { cpuRequestMillis: 500, cpuLimitMillis: 1000, memoryLimitBytes: 16 << 20 },
    cgroupParent: "/gantry/pod-1",
    tty: false,
    stdin: false,
    ...over,
  };
}

const user = { uid: 1000, gid: 1000, additionalGids: [10], home: "/home/app" };
const opts = { cgroupsPath: "/gantry/pod-1/c1", limitSwap: false };

const dockerCaps = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
  "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
];

const dev = (path: string, major: number, minor: number) => ({ path, type: "c", major, minor, fileMode: 0o666, uid: 0, gid: 0 });

test("the full document for an ordinary container", () => {
  const spec = buildSpec(config(), user, opts);
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: 1000, gid: 1000, additionalGids: [10] },
      args: ["/bin/sh", "-c", "echo hi"],
      env: ["FOO=bar", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=web-0", "HOME=/home/app"],
      cwd: "/work",
      capabilities: { bounding: dockerCaps, effective: dockerCaps, permitted: dockerCaps },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1048576, soft: 1048576 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: false },
    hostname: "web-0",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
      { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
      { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
      { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
      { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
      { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] },
    ],
    linux: {
      namespaces: [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "network" }, { type: "cgroup" }],
      cgroupsPath: "/gantry/pod-1/c1",
      resources: {
        devices: [
          { allow: false, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 5, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 7, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 8, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 9, access: "rwm" },
          { allow: true, type: "c", major: 5, minor: 0, access: "rwm" },
          { allow: true, type: "c", major: 5, minor: 2, access: "rwm" },
          { allow: true, type: "c", major: 136, access: "rwm" },
        ],
        cpu: { shares: 512, quota: 100000, period: 100000 },
        memory: { limit: 16777216 },
      },
      devices: [dev("/dev/null", 1, 3), dev("/dev/zero", 1, 5), dev("/dev/full", 1, 7), dev("/dev/random", 1, 8), dev("/dev/urandom", 1, 9), dev("/dev/tty", 5, 0)],
      maskedPaths: [
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
      ],
      readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
    },
  });
});

test("tty, read-only root, shared namespaces and explicit env", () => {
  const spec = buildSpec(
    config({
      tty: true,
      readOnlyRootfs: true,
      netnsPath: "/run/netns/pod-1",
      ipcnsPath: "/proc/42/ns/ipc",
      utsnsPath: "/pods/1/ns/uts",
      pidnsPath: "/proc/43/ns/pid",
      env: ["PATH=/bin", "HOME=/", "HOSTNAME=x", "TERM=vt100"],
      workingDir: "",
    }),
    { uid: 0, gid: 0, additionalGids: [] },
    { cgroupsPath: "/c1", limitSwap: true },
  );
  assert.equal(spec.process.terminal, true);
  assert.equal(spec.root.readonly, true);
  assert.equal(spec.process.cwd, "/");
  assert.deepEqual(spec.process.user, { uid: 0, gid: 0 });
  assert.deepEqual(spec.process.env, ["PATH=/bin", "HOME=/", "HOSTNAME=x", "TERM=vt100"]);
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === "network"), { type: "network", path: "/run/netns/pod-1" });
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === "ipc"), { type: "ipc", path: "/proc/42/ns/ipc" });
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === "uts"), { type: "uts", path: "/pods/1/ns/uts" });
  assert.deepEqual(spec.linux.namespaces.find((n) => n.type === "pid"), { type: "pid", path: "/proc/43/ns/pid" });
  assert.deepEqual(spec.linux.resources.memory, { limit: 16 << 20, swap: 16 << 20 });
});

test("TERM defaults to xterm only with a tty", () => {
  assert.ok(buildSpec(config({ tty: true }), user, opts).process.env.includes("TERM=xterm"));
  assert.ok(!buildSpec(config(), user, opts).process.env.some((e) => e.startsWith("TERM=")));
});

test("user mounts: binds get rbind+rprivate, same destination replaces a default, parents first", () => {
  const spec = buildSpec(
    config({
      mounts: [
        { destination: "/data/cache", source: "/var/lib/v/cache", type: "bind", options: ["ro"] },
        { destination: "/dev/shm", source: "/run/pod/shm", type: "bind", options: ["rbind", "rshared"] },
        { destination: "/data", source: "/var/lib/v/data", type: "bind", options: [] },
        { destination: "/scratch/", source: "tmpfs", type: "tmpfs", options: ["size=1m"] },
      ],
    }),
    user,
    opts,
  );
  const shm = spec.mounts.filter((m) => m.destination === "/dev/shm");
  assert.deepEqual(shm, [{ destination: "/dev/shm", type: "bind", source: "/run/pod/shm", options: ["rbind", "rshared"] }]);
  assert.deepEqual(
    spec.mounts.slice(6).map((m) => [m.destination, m.options]),
    [
      ["/data", ["rbind", "rprivate"]],
      ["/scratch", ["size=1m"]],
      ["/data/cache", ["rbind", "ro", "rprivate"]],
      ["/dev/shm", ["rbind", "rshared"]],
    ],
  );
});

test("privileged: all capabilities, nothing masked, writable sysfs, all devices allowed", () => {
  const spec = buildSpec(config({ privileged: true }), user, opts);
  assert.equal(spec.process.capabilities.bounding.length, 41);
  assert.ok(spec.process.capabilities.effective.includes("CAP_SYS_ADMIN"));
  assert.equal(spec.process.noNewPrivileges, false);
  assert.deepEqual(spec.linux.maskedPaths, []);
  assert.deepEqual(spec.linux.readonlyPaths, []);
  assert.deepEqual(spec.linux.resources.devices, [{ allow: true, access: "rwm" }]);
  assert.deepEqual(spec.mounts.find((m) => m.destination === "/sys")?.options, ["nosuid", "noexec", "nodev"]);
});

test("invalid configs are refused", () => {
  const invalid = (e: unknown) => e instanceof RuntimeError && e.code === "InvalidConfig";
  assert.throws(() => buildSpec(config({ args: [] }), user, opts), invalid);
  assert.throws(() => buildSpec(config({ workingDir: "rel" }), user, opts), invalid);
  assert.throws(() => buildSpec(config({ mounts: [{ destination: "x", source: "/s", type: "bind", options: [] }] }), user, opts), invalid);
  assert.throws(() => buildSpec(config({ mounts: [{ destination: "/x", source: "s", type: "bind", options: [] }] }), user, opts), invalid);
});

test("cgroupsPathFor: cgroupfs paths and systemd slices", () => {
  assert.equal(cgroupsPathFor("/gantry/pod-1", "c1", "cgroupfs"), "/gantry/pod-1/c1");
  assert.equal(cgroupsPathFor("gantry/pod-1/", "c1", "cgroupfs"), "/gantry/pod-1/c1");
  assert.equal(cgroupsPathFor("", "c1", "cgroupfs"), "/c1");
  assert.equal(cgroupsPathFor("kubepods-pod1.slice", "c1", "systemd"), "kubepods-pod1.slice:gantry:c1");
  assert.throws(() => cgroupsPathFor("/gantry/pod-1", "c1", "systemd"), RuntimeError);
});

test("nofile option sets both soft and hard", () => {
  assert.deepEqual(buildSpec(config(), user, { ...opts, nofile: 20000 }).process.rlimits, [{ type: "RLIMIT_NOFILE", hard: 20000, soft: 20000 }]);
});
