// Input checks for everything that ends up in an nft script: a value that fails here never
// reaches `nft -f`, so one bad object cannot make every transaction (and with it every other
// service's update) fail.

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);
const CIDR4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}/(3[0-2]|[12]?\\d)$`);
/** Namespace, service and port names: DNS labels / IANA service names (lower case, digits, "-"), "." for safety. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIPv4Cidr(s: string): boolean {
  return CIDR4.test(s);
}

export function isObjectName(s: string): boolean {
  return NAME.test(s);
}

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}
