// The cluster-info signatures of kubeadm's token discovery: a detached compact JWS (RFC 7515
// appendix F: `<protected header>..<signature>`, payload left out) over the cluster-info
// kubeconfig, HS256 with the token's secret half as the key and its id as `kid` — byte for byte
// what kubeadm's bootstrapsigner computes, so either side can be a real kubeadm.
//
// A joining host that knows the token can check that whoever published cluster-info knew it too,
// without ever sending the token anywhere.

import { loadJose } from "../jose-loader";
import type { BootstrapToken } from "./token";

/** The detached JWS of `content` for `token`: `<header>..<signature>`. */
export async function signDetached(content: string, token: BootstrapToken): Promise<string> {
  const { CompactSign } = await loadJose();
  const full = await new CompactSign(new TextEncoder().encode(content))
    .setProtectedHeader({ alg: "HS256", kid: token.id })
    .sign(new TextEncoder().encode(token.secret));
  const [header, , signature] = full.split(".");
  return `${header}..${signature}`;
}

/**
 * Whether `detached` is a valid signature of `content` made with `token`: HS256 only, `kid` must
 * name the token. False (never a throw) for anything malformed.
 */
export async function verifyDetached(detached: string, content: string, token: BootstrapToken): Promise<boolean> {
  const parts = detached.split(".");
  if (parts.length !== 3 || parts[1] !== "") return false;
  const { compactVerify, base64url } = await loadJose();
  const compact = `${parts[0]}.${base64url.encode(content)}.${parts[2]}`;
  try {
    const { protectedHeader } = await compactVerify(compact, new TextEncoder().encode(token.secret), { algorithms: ["HS256"] });
    return protectedHeader.kid === token.id;
  } catch {
    return false;
  }
}
