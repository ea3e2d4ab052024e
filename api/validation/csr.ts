// CertificateSigningRequests (certificates.k8s.io/v1), upstream's rules: the request is a PEM
// "CERTIFICATE REQUEST" (its signature is checked by the apiserver's admission, which may be
// async), a qualified signerName, known non-repeated usages, expirationSeconds of at least 10
// minutes, and conditions where Approved and Denied exclude each other and are never taken back.
// The certificate, once issued, does not change.

import { KEY_USAGES, MIN_EXPIRATION_SECONDS, SIGNER_LEGACY_UNKNOWN, parseCsrRequest } from "../certificates/csr";
import { type FieldCause, duplicate, forbidden, index, invalid, notSupported, required } from "./field";
import { type Obj, arr, isObj, obj, str } from "./json";
import { validateObjectMeta, validateObjectMetaUpdate } from "./meta";
import { isDNS1123Subdomain, nameIsPathSegment } from "./names";

const CONDITION_STATUSES = ["True", "False", "Unknown"];
const SINGLE_CONDITIONS = ["Approved", "Denied", "Failed"];

export function validateCsr(csr: Obj): FieldCause[] {
  return [...validateObjectMeta(csr.metadata, false, nameIsPathSegment), ...validateSpec(obj(csr.spec)), ...validateConditions(csr.status)];
}

/** Main-resource updates: metadata only (lifecycle keeps spec and status from the stored object). */
export function validateCsrUpdate(next: Obj, prev: Obj): FieldCause[] {
  return [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateSpec(obj(next.spec)), ...validateConditions(next.status)];
}

/** /status: the signer's write. The certificate needs approval and never changes once set. */
export function validateCsrStatusUpdate(next: Obj, prev: Obj): FieldCause[] {
  const causes = [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateConditions(next.status)];
  const certificate = str(obj(next.status).certificate);
  const before = str(obj(prev.status).certificate);
  if (before && certificate !== before) causes.push(forbidden("status.certificate", "updates may not modify existing certificate content"));
  if (certificate && !before) {
    if (!hasCondition(next.status, "Approved") || hasCondition(next.status, "Denied")) {
      causes.push(forbidden("status.certificate", "a certificate may only be issued for an approved request"));
    }
    const pem = Buffer.from(certificate, "base64").toString("utf8");
    if (!/^\s*-----BEGIN CERTIFICATE-----/.test(pem)) causes.push(invalid("status.certificate", "<certificate data>", "must contain at least one CERTIFICATE PEM block"));
  }
  return causes;
}

/** /approval: conditions only; Approved and Denied, once set, stay. */
export function validateCsrApprovalUpdate(next: Obj, prev: Obj): FieldCause[] {
  const causes = [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateConditions(next.status)];
  for (const type of ["Approved", "Denied"]) {
    if (hasCondition(prev.status, type) && !hasCondition(next.status, type)) {
      causes.push(forbidden("status.conditions", `updates may not remove a condition of type "${type}"`));
    }
  }
  return causes;
}

function validateSpec(spec: Obj): FieldCause[] {
  const causes: FieldCause[] = [];
  const request = str(spec.request);
  if (!request) causes.push(required("spec.request"));
  else {
    try {
      parseCsrRequest(request);
    } catch (err) {
      causes.push(invalid("spec.request", "<request data>", (err as Error).message));
    }
  }
  causes.push(...validateSignerName(spec.signerName));
  const usages = arr(spec.usages);
  if (usages.length === 0) causes.push(required("spec.usages", "usages must be provided"));
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    const usage = str(u);
    if (!(KEY_USAGES as readonly string[]).includes(usage)) causes.push(notSupported(index("spec.usages", i), usage, KEY_USAGES));
    else if (seen.has(usage)) causes.push(duplicate(index("spec.usages", i), usage));
    seen.add(usage);
  });
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null) {
    const s = spec.expirationSeconds;
    if (typeof s !== "number" || !Number.isInteger(s) || s < MIN_EXPIRATION_SECONDS) {
      causes.push(invalid("spec.expirationSeconds", s, `may not specify a duration less than ${MIN_EXPIRATION_SECONDS} seconds (10 minutes)`));
    }
  }
  return causes;
}

function validateSignerName(value: unknown): FieldCause[] {
  const name = str(value);
  if (!name) return [required("spec.signerName")];
  if (name === SIGNER_LEGACY_UNKNOWN) return [invalid("spec.signerName", name, "the legacy signerName is not allowed via this API version")];
  const shape = "must be a fully qualified domain and path of the form 'example.com/signer-name'";
  const slash = name.indexOf("/");
  if (slash <= 0 || slash === name.length - 1) return [invalid("spec.signerName", name, shape)];
  const domain = name.slice(0, slash);
  if (!domain.includes(".") || isDNS1123Subdomain(domain).length > 0) return [invalid("spec.signerName", name, shape)];
  return [];
}

function validateConditions(statusValue: unknown): FieldCause[] {
  const causes: FieldCause[] = [];
  const seen = new Set<string>();
  arr(obj(statusValue).conditions).forEach((c, i) => {
    const cond = isObj(c) ? c : {};
    const field = index("status.conditions", i);
    const type = str(cond.type);
    if (!type) causes.push(required(`${field}.type`));
    const status = str(cond.status);
    if (!status) causes.push(required(`${field}.status`));
    else if (type === "Approved" || type === "Denied") {
      if (status !== "True") causes.push(notSupported(`${field}.status`, status, ["True"]));
    } else if (!CONDITION_STATUSES.includes(status)) causes.push(notSupported(`${field}.status`, status, CONDITION_STATUSES));
    if (SINGLE_CONDITIONS.includes(type)) {
      if (seen.has(type)) causes.push(duplicate(`${field}.type`, type));
      seen.add(type);
    }
  });
  if (seen.has("Approved") && seen.has("Denied")) causes.push(invalid("status.conditions", "Approved, Denied", "Approved and Denied conditions are mutually exclusive"));
  return causes;
}

function hasCondition(statusValue: unknown, type: string): boolean {
  return arr(obj(statusValue).conditions).some((c) => isObj(c) && c.type === type && c.status === "True");
}
