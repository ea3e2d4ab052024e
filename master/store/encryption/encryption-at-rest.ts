// A master's encryption at rest: `<data-dir>/encryption-config.yaml`, made at first start (one
// new aesgcm key for secrets, identity after it so values from before stay readable), and
// reloaded when the file changes (checked every second) or on SIGHUP. A file that does not parse
// is reported and the config in force is kept. The store holds this object as its
// ValueTransformer, so every read and write uses the config of the moment.

import { createHash } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { unwatchFile, watchFile } from "node:fs";
import type { ValueTransformer } from "../value-transformer";
import { formatEncryptionConfig, initialEncryptionConfig, parseEncryptionConfig, type EncryptionConfig } from "./encryption-config";
import { AES_GCM_ROTATION_WRITES, StorageEncryption, type WriteKeyUse } from "./storage-encryption";

export interface EncryptionLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** What /readyz?verbose reports: `gantry secrets rotate-key` waits for the file it wrote to be in force. */
export interface EncryptionStatus {
  /** sha256 of the file in force, hex. */
  sha256: string;
  writeKeys: WriteKeyUse[];
}

export function configDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Writes the file atomically (readers never see half of it), readable by its owner only. */
export async function writeEncryptionConfigFile(file: string, config: EncryptionConfig): Promise<string> {
  const text = formatEncryptionConfig(config);
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
  return text;
}

export class EncryptionAtRest implements ValueTransformer {
  private current!: StorageEncryption;
  private digest = "";
  private readonly writes = new Map<string, number>();
  private watching = false;

  private constructor(
    readonly file: string,
    private readonly log: EncryptionLog,
  ) {}

  /** Loads the file, creating it first if there is none. A file that does not parse is fatal here. */
  static async open(file: string, log: EncryptionLog): Promise<EncryptionAtRest> {
    const e = new EncryptionAtRest(file, log);
    let text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
    if (text === undefined) {
      text = await writeEncryptionConfigFile(file, initialEncryptionConfig());
      log.info("created the encryption config with a new aesgcm key for secrets", { file });
    }
    e.apply(text);
    return e;
  }

  toStorage(key: string, plaintext: Buffer): Buffer {
    return this.current.toStorage(key, plaintext);
  }

  fromStorage(key: string, stored: Buffer): Buffer {
    return this.current.fromStorage(key, stored);
  }

  status(): EncryptionStatus {
    return { sha256: this.digest, writeKeys: this.current.writeKeys() };
  }

  /** Re-reads the file; keeps the config in force when it cannot be read or parsed. */
  async reload(): Promise<void> {
    try {
      const text = await readFile(this.file, "utf8");
      if (configDigest(text) === this.digest) return;
      this.apply(text);
      this.log.info("reloaded the encryption config", { file: this.file, ...this.status() });
    } catch (err) {
      this.log.warn("the encryption config was not reloaded; the previous one stays in force", { file: this.file, err: (err as Error).message });
    }
  }

  /** Reloads whenever the file's modification time or size changes (polled every `intervalMs`). */
  watch(intervalMs = 1000): void {
    if (this.watching) return;
    this.watching = true;
    watchFile(this.file, { interval: intervalMs, persistent: false }, () => void this.reload());
  }

  stop(): void {
    if (this.watching) unwatchFile(this.file);
    this.watching = false;
  }

  private apply(text: string): void {
    this.current = new StorageEncryption(parseEncryptionConfig(text, this.file), (name) => this.countWrite(name));
    this.digest = configDigest(text);
  }

  private countWrite(keyName: string): void {
    const n = (this.writes.get(keyName) ?? 0) + 1;
    this.writes.set(keyName, n);
    if (n === AES_GCM_ROTATION_WRITES) {
      this.log.warn(`aesgcm key "${keyName}" has encrypted ${AES_GCM_ROTATION_WRITES} values since this master started; rotate it (gantry secrets rotate-key)`, { file: this.file });
    }
  }
}
