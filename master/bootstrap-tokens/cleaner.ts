// The token cleaner (kube-controller-manager's tokencleaner): deletes bootstrap token Secrets
// once their expiration has passed, with a uid precondition so a Secret recreated under the same
// name is never hit. Each token is looked at again when it expires.

import { isExpired, readTokenSecret } from "../../api/bootstrap/token";
import { ApiError } from "../../api/errors";
import type { KubeObject } from "../../api/object";
import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "../controllers/controller-base";
import { keyOf, leaderComponent, splitKey } from "../controllers/controller-utils";
import { isTokenSecret } from "./token-secrets";

export const SECRETS = findResource("", "v1", "secrets")!;

export class TokenCleaner extends Controller {
  private readonly secrets = this.clientOf(SECRETS);
  private lease_?: InformerLease;

  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    super(ctx, options, { name: "token-cleaner" });
  }

  protected async watch(): Promise<void> {
    const queue = (s: KubeObject) => {
      if (isTokenSecret(s)) this.queue.add(keyOf(s));
    };
    this.lease_ = await this.lease(SECRETS, { add: queue, update: (_o, s) => queue(s) });
  }

  enqueueAll(): void {
    for (const s of this.lease_?.list("kube-system") ?? []) if (isTokenSecret(s)) this.queue.add(keyOf(s));
  }

  async sync(key: string): Promise<void> {
    const secret = this.lease_?.get(key);
    if (!secret || !isTokenSecret(secret) || secret.metadata.deletionTimestamp) return;
    const record = readTokenSecret(secret);
    if ("invalid" in record || !record.expiration) return;
    const now = this.ctx.clock.now();
    if (!isExpired(record, now)) {
      this.queue.addAfter(key, record.expiration.getTime() - now.getTime() + 1);
      return;
    }
    const { namespace, name } = splitKey(key);
    try {
      await this.secrets.delete(namespace, name, { preconditions: { uid: secret.metadata.uid } });
      this.log(`token-cleaner: deleted expired bootstrap token ${name}`);
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
  }
}

export function tokenCleanerComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent("token-cleaner", deps, (d) => new TokenCleaner(d.ctx, { log: (msg, err) => (err ? d.log.warn({ err }, msg) : d.log.info(msg)) }));
}
