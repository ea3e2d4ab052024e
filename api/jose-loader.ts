// jose (JWS/JWT on WebCrypto) is an ES module; this CommonJS project loads it on first use, once,
// for everyone: cluster-info signatures (api/bootstrap/jws.ts) and service-account tokens
// (master/auth/token-issuer.ts).

export type Jose = typeof import("jose", { with: { "resolution-mode": "import" } });

let jose: Promise<Jose> | undefined;

export function loadJose(): Promise<Jose> {
  jose ??= import("jose");
  return jose;
}
