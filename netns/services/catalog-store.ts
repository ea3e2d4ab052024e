// Keeps the node's service catalog on disk, so a restarted agent has the cluster's Services
// (for new containers' environment variables and for cluster DNS) before a master reconnects;
// the master's first full set then replaces the restored view.
//
// One JSON file (<dataDir>/services.json), written atomically (temp file + rename) a moment
// after the catalog changes: a burst of updates is one write.

import { promises as fs } from "node:fs";
import type { ServiceCatalog, ServiceInfo } from "./catalog";

interface Stored {
  version: 1;
  services: ServiceInfo[];
}

export class CatalogStore {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly file: string,
    private readonly catalog: ServiceCatalog,
    private readonly onError: (err: unknown) => void,
    private readonly delayMs = 1000,
  ) {}

  /** Restores the saved view (if any, and if the catalog has no full set yet), then saves every change. */
  async start(): Promise<void> {
    const saved = await readStored(this.file);
    if (saved) this.catalog.restore(saved.services);
    this.unsubscribe = this.catalog.subscribe(() => this.schedule());
  }

  /** Stops saving; a pending write is done now. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.write();
    }
    await this.writing;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, this.delayMs);
    this.timer.unref();
  }

  private write(): void {
    const text = JSON.stringify({ version: 1, services: this.catalog.list() } satisfies Stored);
    this.writing = this.writing.then(async () => {
      try {
        const tmp = `${this.file}.tmp`;
        await fs.writeFile(tmp, text, { mode: 0o600 });
        await fs.rename(tmp, this.file);
      } catch (err) {
        this.onError(err);
      }
    });
  }
}

async function readStored(file: string): Promise<Stored | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, "utf8")) as Partial<Stored>;
    return parsed.version === 1 && Array.isArray(parsed.services) ? (parsed as Stored) : undefined;
  } catch {
    return undefined;
  }
}
