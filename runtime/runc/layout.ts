// Where everything of one container lives. Logs sit outside the container directory so that
// removeContainer(id, { keepLogs: true }) can delete the rest and leave them for `--previous`.
//
//   <root>/containers/<id>/meta.json          labels, timestamps, options (ours)
//   <root>/containers/<id>/bundle/config.json  OCI spec
//   <root>/containers/<id>/bundle/rootfs       overlay mount point
//   <root>/containers/<id>/bundle/{attach,ctl,winsz}  conmon's attach socket and control FIFOs
//   <root>/containers/<id>/overlay/{upper,work,l}      overlay scratch
//   <root>/containers/<id>/conmon.pid, container.pid
//   <root>/containers/<id>/exit/<id>          conmon's exit file (--exit-dir)
//   <root>/containers/<id>/persist/{exit,oom} conmon's persist dir (also its cwd)
//   <root>/logs/<id>/container.log[.1 …]     CRI-format log and its rotations
//   <root>/sock/<cuuid> -> bundle             conmon's attach-socket symlink (--socket-dir-path)
//   <runc root>/<id>/state.json               runc's own state

import { createHash } from "node:crypto";
import * as path from "node:path";

export interface ContainerPaths {
  dir: string;
  meta: string;
  bundle: string;
  config: string;
  rootfs: string;
  overlay: string;
  conmonPid: string;
  containerPid: string;
  exitDir: string;
  exitFile: string;
  persistDir: string;
  oomFile: string;
  attachSocket: string;
  ctlFifo: string;
  logDir: string;
  logPath: string;
  /** conmon's -u: names the socket symlink, kept short because sun_path is 108 bytes. */
  cuuid: string;
  socketLink: string;
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,254}$/;

export function isValidId(id: string): boolean {
  return idPattern.test(id);
}

/** Longest `<sockDir>/<cuuid>/attach` conmon can bind (sun_path minus the NUL). */
export const maxSocketPath = 107;

export function cuuidFor(id: string, sockDir: string): string {
  const fits = (u: string) => Buffer.byteLength(path.join(sockDir, u, "attach")) <= maxSocketPath;
  if (fits(id)) return id;
  const hashed = createHash("sha256").update(id).digest("hex").slice(0, 24);
  if (!fits(hashed)) throw new Error(`socket directory ${sockDir} is too long for conmon's attach socket (max ${maxSocketPath - 32} bytes)`);
  return hashed;
}

export function containerPaths(root: string, id: string): ContainerPaths {
  const dir = path.join(root, "containers", id);
  const bundle = path.join(dir, "bundle");
  const exitDir = path.join(dir, "exit");
  const persistDir = path.join(dir, "persist");
  const logDir = path.join(root, "logs", id);
  const sockDir = socketDir(root);
  const cuuid = cuuidFor(id, sockDir);
  return {
    dir,
    meta: path.join(dir, "meta.json"),
    bundle,
    config: path.join(bundle, "config.json"),
    rootfs: path.join(bundle, "rootfs"),
    overlay: path.join(dir, "overlay"),
    conmonPid: path.join(dir, "conmon.pid"),
    containerPid: path.join(dir, "container.pid"),
    exitDir,
    exitFile: path.join(exitDir, id),
    persistDir,
    oomFile: path.join(persistDir, "oom"),
    attachSocket: path.join(bundle, "attach"),
    ctlFifo: path.join(bundle, "ctl"),
    logDir,
    logPath: path.join(logDir, "container.log"),
    cuuid,
    socketLink: path.join(sockDir, cuuid),
  };
}

export function containersDir(root: string): string {
  return path.join(root, "containers");
}

export function socketDir(root: string): string {
  return path.join(root, "sock");
}
