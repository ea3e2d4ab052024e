// IP and CIDR syntax for cluster IPs, endpoint addresses, pod CIDRs and DNS config. api/ may not
// import node:net, so this parses addresses itself. Like Go's net.ParseIP (and Kubernetes'
// "sloppy" variant) IPv4 octets may carry leading zeros; zones (`%eth0`) are not addresses.

import { type FieldCause, invalid } from "./field";

/** The 4 or 16 bytes of an address, or undefined when it is not one. */
export function parseIP(value: string): number[] | undefined {
  return value.includes(":") ? parseIPv6(value) : parseIPv4(value);
}

function parseIPv4(value: string): number[] | undefined {
  const parts = value.split(".");
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

function parseIPv6(value: string): number[] | undefined {
  const halves = value.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        out.push(v4[0], v4[1], v4[2], v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        const n = parseInt(p, 16);
        out.push(n >> 8, n & 0xff);
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 16 ? head : undefined;
  const missing = 16 - head.length - tail.length;
  if (missing < 2) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

export function isIPv6(value: string): boolean {
  return value.includes(":") && parseIPv6(value) !== undefined;
}

/** `a.b.c.d/n` or `x::/n` with a prefix length that fits the family. */
export function parseCIDR(value: string): { ip: number[]; bits: number } | undefined {
  const slash = value.indexOf("/");
  if (slash < 0) return undefined;
  const ip = parseIP(value.slice(0, slash));
  const prefix = value.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefix)) return undefined;
  const bits = Number(prefix);
  return bits <= ip.length * 8 ? { ip, bits } : undefined;
}

export function validateIP(value: string, field: string): FieldCause[] {
  return parseIP(value) ? [] : [invalid(field, value, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")];
}

export function validateCIDR(value: string, field: string): FieldCause[] {
  return parseCIDR(value) ? [] : [invalid(field, value, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)")];
}

/** Endpoints may not point at unspecified, loopback or link-local addresses. */
export function validateNonSpecialIP(value: string, field: string): FieldCause[] {
  const ip = parseIP(value);
  if (!ip) return [invalid(field, value, "must be a valid IP address")];
  const causes: FieldCause[] = [];
  const v4 = ip.length === 4 ? ip : ip.slice(0, 10).every((b) => b === 0) && ip[10] === 255 && ip[11] === 255 ? ip.slice(12) : undefined;
  if (v4) {
    if (v4.every((b) => b === 0)) causes.push(invalid(field, value, `may not be unspecified (${value})`));
    if (v4[0] === 127) causes.push(invalid(field, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
    if (v4[0] === 169 && v4[1] === 254) causes.push(invalid(field, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
    if (v4[0] === 224 && v4[1] === 0 && v4[2] === 0) {
      causes.push(invalid(field, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
    }
    return causes;
  }
  if (ip.every((b) => b === 0)) causes.push(invalid(field, value, `may not be unspecified (${value})`));
  if (ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1) {
    causes.push(invalid(field, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  }
  if (ip[0] === 0xfe && (ip[1] & 0xc0) === 0x80) causes.push(invalid(field, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  if (ip[0] === 0xff && (ip[1] & 0x0f) === 0x02) {
    causes.push(invalid(field, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  }
  return causes;
}
