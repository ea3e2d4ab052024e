// Turns a ContainerConfig `user` ("uid", "uid:gid", "name", "name:group", "uid:group", …) into
// numeric ids the way Docker's user lookup does: names come from the image's /etc/passwd and
// /etc/group; a bare user takes its primary group from passwd (0 when passwd has no entry for
// a numeric uid); supplementary groups are the /etc/group entries that list the user by name.
// Pure: the caller reads the two files from the container's rootfs (absent files = "").

import { RuntimeError } from "../types";

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** Home directory from passwd, when the user has an entry (for $HOME). */
  home?: string;
}

const numeric = /^\d+$/;
const maxId = 0xffffffff - 1;

function parseId(text: string): number | undefined {
  if (!numeric.test(text)) return undefined;
  const n = Number(text);
  return n <= maxId ? n : undefined;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length < 4) continue;
    const uid = parseId(f[2]);
    const gid = parseId(f[3]);
    if (uid === undefined || gid === undefined) continue;
    out.push({ name: f[0], uid, gid, home: f[5] || "/" });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const f = line.split(":");
    if (f.length < 3) continue;
    const gid = parseId(f[2]);
    if (gid === undefined) continue;
    out.push({ name: f[0], gid, members: (f[3] ?? "").split(",").map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

/**
 * Resolves `user` against passwd/group text. Throws RuntimeError InvalidConfig when a name
 * has no entry, with the message kubelet users know from Docker ("no matching entries").
 */
export function resolveUser(user: string | undefined, passwdText: string, groupText: string): ResolvedUser {
  const spec = (user ?? "").trim() || "0";
  const colon = spec.indexOf(":");
  const userPart = colon < 0 ? spec : spec.slice(0, colon);
  const groupPart = colon < 0 ? undefined : spec.slice(colon + 1);
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);

  let entry: PasswdEntry | undefined;
  let uid = parseId(userPart);
  if (uid === undefined) {
    entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new RuntimeError("InvalidConfig", `unable to find user ${userPart}: no matching entries in passwd file`);
    uid = entry.uid;
  } else {
    entry = passwd.find((p) => p.uid === uid);
  }

  let gid: number;
  if (groupPart === undefined || groupPart === "") {
    gid = entry?.gid ?? 0;
  } else {
    const g = parseId(groupPart);
    if (g !== undefined) {
      gid = g;
    } else {
      const found = groups.find((x) => x.name === groupPart);
      if (!found) throw new RuntimeError("InvalidConfig", `unable to find group ${groupPart}: no matching entries in group file`);
      gid = found.gid;
    }
  }

  // An explicit group replaces the user's groups entirely (as `docker run -u name:group`).
  const additionalGids =
    entry && groupPart === undefined
      ? [...new Set(groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid))]
      : [];
  return { uid, gid, additionalGids, ...(entry ? { home: entry.home } : {}) };
}
