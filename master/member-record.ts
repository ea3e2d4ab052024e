// `<data-dir>/member.json`: this master's etcd member as it last started (name, its client and
// peer URLs, the client URLs its store uses). `gantry reset` reads it to find the member to
// remove and the other members to ask, also when this master is not running any more.

import { readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "./pki/files";

export interface MemberRecord {
  name: string;
  clientUrl: string;
  peerUrl: string;
  /** Every member's client URL when the master started, its own first. */
  endpoints: string[];
}

export const MEMBER_RECORD = "member.json";

export async function writeMemberRecord(dataDir: string, record: MemberRecord): Promise<void> {
  await writeFileAtomic(path.join(dataDir, MEMBER_RECORD), `${JSON.stringify(record, null, 2)}\n`, 0o600);
}

/** The record, or undefined when this data dir never ran a master (or predates the record). */
export async function readMemberRecord(dataDir: string): Promise<MemberRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dataDir, MEMBER_RECORD), "utf8")) as Partial<MemberRecord>;
    if (typeof parsed.name !== "string" || typeof parsed.clientUrl !== "string" || typeof parsed.peerUrl !== "string" || !Array.isArray(parsed.endpoints)) return undefined;
    return { name: parsed.name, clientUrl: parsed.clientUrl, peerUrl: parsed.peerUrl, endpoints: parsed.endpoints.filter((e): e is string => typeof e === "string") };
  } catch {
    return undefined;
  }
}
