// The last desired set, kept across agent restarts so a restarted agent can carry on (restart
// crashed containers, finish removals) before a master reconnects; the master's next full set
// then replaces it. Two files, written atomically (temp file + rename) after every change:
//
//   <dataDir>/desired.json           pods, ConfigMap data, generation, highest leader epoch
//   <secretsDir>/desired-secrets.json Secret data: secretsDir is a tmpfs the agent mounts, so
//                                     secrets never reach a disk (they are lost on reboot, when
//                                     the pods are gone too)

import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { VolumeSourceData } from "../pod-spec/volume-data";
import { ensureTmpfs } from "../sandbox/mounts";
import type { DesiredPodEntry } from "./desired-set";

export interface PersistedDesired {
  generation: number;
  /** The highest leader epoch a session was accepted with (fencing survives restarts). */
  leaderEpoch: number;
  pods: DesiredPodEntry[];
  volumeData: VolumeSourceData[];
}

interface StoredData extends Omit<VolumeSourceData, "data"> {
  data: Record<string, string>;
}

const toStored = (d: VolumeSourceData): StoredData => ({ ...d, data: Object.fromEntries(Object.entries(d.data).map(([k, v]) => [k, v.toString("base64")])) });
const fromStored = (d: StoredData): VolumeSourceData => ({ ...d, data: Object.fromEntries(Object.entries(d.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")])) });

async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  const tmp = `${file}.tmp`;
  await fs.writeFile(tmp, text, { mode });
  await fs.rename(tmp, file);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export class DesiredStore {
  private chain: Promise<void> = Promise.resolve();
  private pending: PersistedDesired | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly secretsDir: string,
  ) {}

  private get mainFile(): string {
    return path.join(this.dataDir, "desired.json");
  }

  private get secretsFile(): string {
    return path.join(this.secretsDir, "desired-secrets.json");
  }

  async init(): Promise<void> {
    await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    await ensureTmpfs(this.secretsDir, { mode: 0o700, sizeBytes: 64 * 1024 * 1024 });
  }

  async load(): Promise<PersistedDesired | undefined> {
    const main = await readJson<Omit<PersistedDesired, "volumeData"> & { configMaps?: StoredData[] }>(this.mainFile);
    if (!main) return undefined;
    const secrets = (await readJson<StoredData[]>(this.secretsFile)) ?? [];
    return {
      generation: main.generation ?? 0,
      leaderEpoch: main.leaderEpoch ?? 0,
      pods: main.pods ?? [],
      volumeData: [...(main.configMaps ?? []), ...secrets].map(fromStored),
    };
  }

  /** Writes the state; calls made while a write runs collapse into one more write. */
  save(state: PersistedDesired): Promise<void> {
    const first = this.pending === undefined;
    this.pending = state;
    if (!first) return this.chain;
    this.chain = this.chain
      .catch(() => undefined)
      .then(async () => {
        const s = this.pending!;
        this.pending = undefined;
        const configMaps = s.volumeData.filter((d) => d.kind === "ConfigMap").map(toStored);
        const secrets = s.volumeData.filter((d) => d.kind === "Secret").map(toStored);
        await writeAtomic(this.secretsFile, JSON.stringify(secrets), 0o600);
        await writeAtomic(this.mainFile, JSON.stringify({ generation: s.generation, leaderEpoch: s.leaderEpoch, pods: s.pods, configMaps }), 0o600);
      });
    return this.chain;
  }
}
