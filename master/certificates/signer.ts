// The CSR signer: issues certificates for approved requests of the kubernetes.io signers it
// serves, with the cluster CA (signer-core.ts decides; master/pki signs). The certificate goes
// into status.certificate through the status subresource; a request that breaks its signer's
// rules gets a Failed condition instead.

import { X509Certificate } from "node:crypto";
import { ApiError } from "../../api/errors";
import type { ApiContext } from "../registry/context";
import type { InformerLease } from "../cache/shared-informers";
import type { ComponentDeps, LeaderComponent } from "../component";
import { Controller, type ControllerOptions } from "../controllers/controller-base";
import { keyOf, leaderComponent, timestamp } from "../controllers/controller-utils";
import { signCertificate, type CertificateAuthority } from "../pki";
import { CSRS } from "./approver";
import type { CsrObject } from "./csr-object";
import { DEFAULT_SIGNING_DURATION_SECONDS, signingPlan } from "./signer-core";

export interface CsrSignerOptions extends ControllerOptions {
  ca: CertificateAuthority;
  /** Longest certificate issued, in seconds. Default one year. */
  maxDurationSeconds?: number;
}

export class CsrSigner extends Controller {
  private readonly csrs = this.clientOf(CSRS);
  private readonly caNotAfter: Date;
  private csrLease?: InformerLease<CsrObject>;

  constructor(
    ctx: ApiContext,
    private readonly o: CsrSignerOptions,
  ) {
    super(ctx, o, { name: "csr-signer", serviceAccount: "certificate-controller", quietConflicts: true });
    this.caNotAfter = new Date(new X509Certificate(o.ca.caCert).validTo);
  }

  protected async watch(): Promise<void> {
    this.csrLease = await this.lease<CsrObject>(CSRS, { add: (c) => this.queue.add(keyOf(c)), update: (_o, c) => this.queue.add(keyOf(c)) });
  }

  enqueueAll(): void {
    for (const c of this.csrLease?.list() ?? []) if (!c.status?.certificate) this.queue.add(keyOf(c));
  }

  async sync(key: string): Promise<void> {
    const csr = this.csrLease?.get(key);
    if (!csr) return;
    const plan = signingPlan(csr, this.ctx.clock.now(), this.o.maxDurationSeconds ?? DEFAULT_SIGNING_DURATION_SECONDS, this.caNotAfter);
    if (!plan) return;
    let status: Record<string, unknown>;
    if ("fail" in plan) {
      const now = timestamp(this.ctx.clock.now());
      const failed = { type: "Failed", status: "True", reason: plan.fail.reason, message: plan.fail.message, lastUpdateTime: now, lastTransitionTime: now };
      status = { ...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), failed] };
    } else {
      const { parsed, usages, notBefore, notAfter } = plan.sign;
      const certPem = await signCertificate(
        { certPem: this.o.ca.caCert, keyPem: this.o.ca.caKey },
        { commonName: parsed.commonName, organizations: parsed.organizations, dnsNames: parsed.dnsNames, ipAddresses: parsed.ipAddresses, usages, publicKey: parsed.publicKeySpki, notBefore, notAfter },
      );
      status = { ...(csr.status ?? {}), certificate: Buffer.from(certPem, "utf8").toString("base64") };
    }
    try {
      // Compare-and-swap against the request this pass read: a request approved, denied or
      // signed meanwhile gets a fresh pass instead of a second certificate.
      await this.csrs.replace({ ...csr, status }, { statusOnly: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
    this.log(`csr-signer: ${"fail" in plan ? `failed ${key}: ${plan.fail.message}` : `signed ${key} until ${plan.sign.notAfter.toISOString()}`}`);
  }
}

export function csrSignerComponent(deps: ComponentDeps): LeaderComponent | undefined {
  const ca = deps.ca;
  if (!ca) return undefined;
  return leaderComponent("csr-signer", deps, (d) => new CsrSigner(d.ctx, { ca, maxDurationSeconds: d.settings?.clusterSigningDurationSeconds, log: (msg, err) => (err ? d.log.warn({ err }, msg) : d.log.info(msg)) }));
}
