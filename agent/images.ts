// The node's images as the pod workers need them: is an image present (for IfNotPresent and
// Never), pull it (once at a time per reference, however many pods ask), and what to report
// as ContainerStatus.imageID. Wraps runtime/image at the agent's boundary.

import type { RegistryCredentials } from "../runtime/image/registry-auth";
import type { UnpackLimits } from "../runtime/image/limits";
import { pullImage, type PullProgress } from "../runtime/image/puller";
import { DefaultInsecureRegistries } from "../runtime/image/registry-client";
import { normalizeReference, parseReference, referenceName } from "../runtime/image/reference";
import type { LocalImageStore } from "../runtime/image/store";
import type { ImageRecord } from "../runtime/image/types";

export interface PullRequest {
  image: string;
  auth?: Record<string, RegistryCredentials>;
  onProgress?: (p: PullProgress) => void;
}

/** "registry/repo@sha256:…": the digest reference a container status reports. */
export function imageIdOf(record: ImageRecord): string {
  return `${referenceName(parseReference(record.ref))}@${record.digest}`;
}

export class ImageService {
  private readonly inflight = new Map<string, Promise<ImageRecord>>();

  constructor(
    readonly store: LocalImageStore,
    private readonly insecureRegistries: readonly string[],
    /** Unpack caps for every pull (gantry agent --max-layer-bytes …); unset ones take defaults. */
    private readonly limits: Partial<UnpackLimits> = {},
  ) {}

  /** The stored record for an image as written in a pod spec, or undefined. */
  async inspect(image: string): Promise<ImageRecord | undefined> {
    const record = await this.store.images.get(normalizeReference(image));
    if (!record) return undefined;
    // A record whose layers were removed (gc, disk trouble) is not usable: pull again.
    for (const l of record.layers) if (!(await this.store.layers.has(l.chainId))) return undefined;
    return record;
  }

  /** Pulls; concurrent pulls of the same reference with the same credentials share one. */
  pull(req: PullRequest): Promise<ImageRecord> {
    const key = `${normalizeReference(req.image)}\0${JSON.stringify(req.auth ?? {})}`;
    const running = this.inflight.get(key);
    if (running && !req.onProgress) return running;
    const p = pullImage(req.image, {
      store: this.store,
      insecureRegistries: [...new Set([...DefaultInsecureRegistries, ...this.insecureRegistries])],
      limits: this.limits,
      ...(req.auth && Object.keys(req.auth).length > 0 ? { auth: req.auth } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    }).finally(() => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    });
    this.inflight.set(key, p);
    return p;
  }
}
