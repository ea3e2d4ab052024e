// Certificate renewal before expiry, the kubelet's schedule: renew at a random point between 70%
// and 90% of the certificate's lifetime (notBefore..notAfter), so a fleet joined together does
// not renew together. A failed renewal is retried with back-off while the old certificate still
// works. Renewal replaces files and in-memory credentials only: the agent keeps running and no
// container is touched.

import { X509Certificate } from "node:crypto";

/** When to renew `certPem`: notBefore + (0.7 + 0.2 × random) × lifetime. */
export function rotationDeadline(certPem: string, random: () => number = Math.random): Date {
  const cert = new X509Certificate(certPem);
  const notBefore = new Date(cert.validFrom).getTime();
  const notAfter = new Date(cert.validTo).getTime();
  return new Date(notBefore + (0.7 + 0.2 * random()) * (notAfter - notBefore));
}

export interface RotationOptions {
  name: string;
  /** The certificate in use now (undefined: none yet, renew at once). */
  current: () => string | undefined;
  /** Gets and installs a new certificate. */
  renew: () => Promise<void>;
  log: (msg: string, err?: unknown) => void;
  random?: () => number;
}

/** Longest single timer: setTimeout cannot wait more than ~24.8 days, certificates last a year. */
const MAX_WAIT_MS = 24 * 3600 * 1000;

export class CertificateRotation {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private failures = 0;

  constructor(private readonly o: RotationOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(retryMs?: number): void {
    if (this.stopped) return;
    const cert = this.o.current();
    const due = cert === undefined ? Date.now() : rotationDeadline(cert, this.o.random).getTime();
    const wait = retryMs ?? Math.max(0, due - Date.now());
    this.timer = setTimeout(() => void this.tick(due), Math.min(wait, MAX_WAIT_MS));
    this.timer.unref();
  }

  private async tick(due: number): Promise<void> {
    if (this.stopped) return;
    if (Date.now() < due && this.failures === 0) return this.schedule();
    try {
      await this.o.renew();
      this.failures = 0;
      this.o.log(`${this.o.name} certificate renewed`);
      this.schedule();
    } catch (err) {
      this.failures++;
      const backoff = Math.min(300_000, 1000 * 2 ** Math.min(this.failures, 9));
      this.o.log(`renewing the ${this.o.name} certificate failed; retrying in ${Math.round(backoff / 1000)} s`, err);
      this.schedule(backoff);
    }
  }
}
