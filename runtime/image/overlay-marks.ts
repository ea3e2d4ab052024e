// What Node cannot do by itself while unpacking: create device nodes and FIFOs (there is no
// mknod in node:fs) and set extended attributes (no xattr API). Both are done in one child
// process per layer rather than one per file:
//
//   - whiteouts (overlayfs wants a 0/0 character device) and FIFOs: coreutils `mknod` /
//     `mkfifo`, driven by a fixed /bin/sh loop whose arguments are the paths, so no path
//     is ever parsed as shell code;
//   - xattrs (trusted.overlay.opaque=y for opaque directories, plus the SCHILY.xattr.* a
//     layer carries): `setfattr -h --restore=-` from Debian's `attr` package, fed the
//     getfattr dump format on stdin. -h sets the attribute on a symlink itself, never its target.
//
// Callers pass root-relative paths that they have just re-checked with pathState();
// the child runs with cwd = the layer root.

import { execFile, spawn } from "node:child_process";

export type SpecialKind = "whiteout" | "fifo";

const argBatch = 400;
const mknodScript = `
while [ "$#" -gt 0 ]; do
  case "$1" in
    whiteout) mknod -m 0000 -- "$2" c 0 0 || exit 1 ;;
    fifo) mkfifo -m 0600 -- "$2" || exit 1 ;;
    *) echo "unknown kind $1" >&2; exit 2 ;;
  esac
  shift 2
done`;

/** Creates whiteout char devices (0/0) and FIFOs at root-relative paths that do not exist. */
export async function makeSpecialFiles(root: string, items: ReadonlyArray<{ rel: string; kind: SpecialKind }>): Promise<void> {
  for (let i = 0; i < items.length; i += argBatch) {
    const args = items.slice(i, i + argBatch).flatMap((it) => [it.kind, `./${it.rel}`]);
    await new Promise<void>((resolve, reject) => {
      execFile("/bin/sh", ["-c", mknodScript, "gantry-mknod", ...args], { cwd: root }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`creating whiteouts/FIFOs with mknod failed: ${stderr.trim() || err.message}`));
        else resolve();
      });
    });
  }
}

/** Sets xattrs (name → raw value) on root-relative paths, not following a final symlink. */
export async function setXattrs(root: string, items: ReadonlyArray<{ rel: string; attrs: ReadonlyMap<string, Buffer> }>): Promise<void> {
  if (items.length === 0) return;
  let dump = "";
  for (const it of items) {
    dump += `# file: ${quotePath(it.rel === "" ? "." : it.rel)}\n`;
    for (const [name, value] of it.attrs) dump += `${name}=${value.length === 0 ? '""' : `0x${value.toString("hex")}`}\n`;
    dump += "\n";
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn("setfattr", ["-h", "--restore=-"], { cwd: root, stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (err) => {
      const hint = (err as { code?: string }).code === "ENOENT" ? " (install Debian package `attr`)" : "";
      reject(new Error(`setfattr could not be run${hint}: ${err.message}`));
    });
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`setting extended attributes with setfattr failed (exit ${code}): ${stderr.trim()}`));
    });
    child.stdin.on("error", () => undefined); // reported through the exit code
    child.stdin.end(dump);
  });
}

/** Names an attribute may carry in the dump format (no '=', no whitespace or control bytes). */
export function isRestorableXattrName(name: string): boolean {
  return /^[\x21-\x3c\x3e-\x7e]+$/.test(name);
}

// getfattr's quoting, which setfattr --restore undoes: backslash and every byte outside
// printable ASCII (space included) as a three-digit octal escape.
function quotePath(p: string): string {
  let out = "";
  for (const byte of Buffer.from(p, "utf8")) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return out;
}
