// The CSR approver: watches CertificateSigningRequests (and Nodes, whose addresses decide serving
// requests) and approves what approver-core.ts says, through the approval subresource — the same
// write `kubectl certificate approve` makes.

import { findResource } from "../../api/resources";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "../controllers/controller-base";
import { keyOf, leaderComponent, timestamp } from "../controllers/controller-utils";
import { approvalFor } from "./approver-core";
import type { CsrObject } from "./csr-object";

export const CSRS = findResource("certificates.k8s.io", "v1", "certificatesigningrequests")!;
const NODES = findResource("", "v1", "nodes")!;

type NodeObject = CsrObject & { status?: { addresses?: { address?: string }[] } };

export class CsrApprover extends Controller {
  private readonly csrs = this.clientOf(CSRS);
  private csrLease?: InformerLease<CsrObject>;
  private nodeLease?: InformerLease<NodeObject>;

  constructor(ctx: ApiContext, options: ControllerOptions = {}) {
    super(ctx, options, { name: "csr-approver", serviceAccount: "certificate-controller", quietConflicts: true });
  }

  protected async watch(): Promise<void> {
    this.csrLease = await this.lease<CsrObject>(CSRS, { add: (c) => this.queue.add(keyOf(c)), update: (_o, c) => this.queue.add(keyOf(c)) });
    // A serving request may arrive before its Node lists the address; look again when Nodes change.
    this.nodeLease = await this.lease<NodeObject>(NODES, { add: () => this.enqueueAll(), update: () => this.enqueueAll() });
  }

  enqueueAll(): void {
    for (const c of this.csrLease?.list() ?? []) if (!c.status?.certificate) this.queue.add(keyOf(c));
  }

  async sync(key: string): Promise<void> {
    const cached = this.csrLease?.get(key);
    if (!cached) return;
    const addresses = (node: string) => this.nodeLease?.get(node)?.status?.addresses?.map((a) => a.address ?? "");
    if (!approvalFor(cached, addresses)) return;
    await this.csrs.update(undefined, key, (current) => {
      const approval = approvalFor(current as CsrObject, addresses);
      if (!approval) return undefined;
      const status = (current.status ?? {}) as { conditions?: object[] };
      const now = timestamp(this.ctx.clock.now());
      const condition = { type: "Approved", status: "True", reason: approval.reason, message: approval.message, lastUpdateTime: now, lastTransitionTime: now };
      return { ...current, status: { ...status, conditions: [...(status.conditions ?? []), condition] } };
    }, { subresource: "approval" });
    this.log(`csr-approver: approved ${key}`);
  }
}

export function csrApproverComponent(deps: ComponentDeps): LeaderComponent {
  return leaderComponent("csr-approver", deps, (d) => new CsrApprover(d.ctx, { log: (msg, err) => (err ? d.log.warn({ err }, msg) : d.log.info(msg)) }));
}
