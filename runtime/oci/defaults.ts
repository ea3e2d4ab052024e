// The defaults every container gets unless privileged: the same set Docker and containerd use,
// so images behave here as they do elsewhere.

import type { OciDevice, OciDeviceRule, OciMount } from "./spec-types";

/** Docker's default capability set (moby oci/caps/defaults.go): enough for typical images
 *  (chown files, bind low ports, switch user) without admin powers. */
export const defaultCapabilities: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** Every capability Linux defines up to CAP_CHECKPOINT_RESTORE (5.9), for privileged
 *  containers. runc 1.1 skips, with a warning, any its libcap does not know. */
export const allCapabilities: readonly string[] = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
  "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];

/** Open-file limit: high enough for servers, the value containerd and CRI-O use. */
export const defaultNofile = 1048576;

export const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The filesystems of a Linux userland. `/sys` and the cgroup tree are read-only so a
 *  container cannot reconfigure the host; privileged containers get them read-write. */
export function defaultMounts(privileged: boolean): OciMount[] {
  const ro = privileged ? [] : ["ro"];
  return [
    { destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    {
      destination: "/dev/pts",
      type: "devpts",
      source: "devpts",
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    // 64 MiB, as Docker: enough for typical POSIX shm users, bounded so it cannot eat the node.
    { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
    { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", ...ro] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", ...ro] },
  ];
}

/** Kernel interfaces that leak host information or allow host changes (containerd's list). */
export const defaultMaskedPaths: readonly string[] = [
  "/proc/acpi",
  "/proc/asound",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];

export const defaultReadonlyPaths: readonly string[] = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

const charDevice = (path: string, major: number, minor: number): OciDevice => ({
  path,
  type: "c",
  major,
  minor,
  fileMode: 0o666,
  uid: 0,
  gid: 0,
});

/** Device nodes created in the container's /dev (a tmpfs). */
export const defaultDevices: readonly OciDevice[] = [
  charDevice("/dev/null", 1, 3),
  charDevice("/dev/zero", 1, 5),
  charDevice("/dev/full", 1, 7),
  charDevice("/dev/random", 1, 8),
  charDevice("/dev/urandom", 1, 9),
  charDevice("/dev/tty", 5, 0),
];

/** Device cgroup: deny everything, then allow the nodes above plus the pty devices a
 *  terminal needs (/dev/ptmx 5:2, /dev/pts/* 136:*). */
export function defaultDeviceRules(privileged: boolean): OciDeviceRule[] {
  if (privileged) return [{ allow: true, access: "rwm" }];
  return [
    { allow: false, access: "rwm" },
    ...defaultDevices.map((d): OciDeviceRule => ({ allow: true, type: "c", major: d.major, minor: d.minor, access: "rwm" })),
    { allow: true, type: "c", major: 5, minor: 2, access: "rwm" },
    { allow: true, type: "c", major: 136, access: "rwm" },
  ];
}
