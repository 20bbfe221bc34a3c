/**
 * Which IP addresses the provider may connect to when it notifies a client (CIBA Core §10.2, §10.3).
 *
 * A client chooses its backchannel_client_notification_endpoint, so without this policy it could make
 * the provider POST to the provider's own network: the instance metadata service, a VPC database, the
 * loopback interface (server-side request forgery). Only globally reachable unicast addresses pass.
 * The ranges follow the IANA special-purpose address registries (RFC 6890 and its updates) and the
 * cloud providers' documented metadata endpoints. Pure: parses and compares, no I/O.
 */
import { isIP } from 'node:net';

export type AddressClass =
  /** Globally reachable unicast: the only class a notification may go to in a deployment. */
  | 'public'
  /** 127.0.0.0/8 (RFC 1122 §3.2.1.3), ::1 (RFC 4291 §2.5.3): this host. */
  | 'loopback'
  /** 10/8, 172.16/12, 192.168/16 (RFC 1918): the provider's VPC and its peers. */
  | 'private'
  /** 169.254/16 (RFC 3927), fe80::/10 (RFC 4291 §2.5.6): this link only. */
  | 'linkLocal'
  /** fc00::/7 (RFC 4193): the IPv6 counterpart of private. */
  | 'uniqueLocal'
  /** Instance and task metadata services: they hand out the provider's own AWS credentials. */
  | 'cloudMetadata'
  /** 0.0.0.0/8 "this network" (RFC 6890 §2.2.2), :: (RFC 4291 §2.5.2); connecting to 0.0.0.0 reaches this host on Linux. */
  | 'unspecified'
  /** 224/4 (RFC 5771), ff00::/8 (RFC 4291 §2.7): not one endpoint. */
  | 'multicast'
  /** 100.64/10 shared address space (RFC 6598): inside a provider's network, not the internet. */
  | 'carrierGradeNat'
  /** 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737), 2001:db8::/32 (RFC 3849), 3fff::/20 (RFC 9637). */
  | 'documentation'
  /** Everything else the registries mark not globally reachable, deprecated or reserved for future use. */
  | 'reserved';

/** A CIDR prefix (RFC 4632) as bytes, IPv4 or IPv6. */
interface Prefix {
  readonly bytes: readonly number[];
  readonly bits: number;
}

type Rule = readonly [Prefix, AddressClass];

/** The 4 bytes of a dotted-quad IPv4 address whose syntax isIP has accepted. */
function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** The 16-bit groups of one side of `::`; a trailing dotted quad (RFC 4291 §2.2 form 3) is two groups. */
function ipv6Groups(part: string): number[] {
  if (part === '') return [];
  return part.split(':').flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(group);
    return [(a << 8) | b, (c << 8) | d];
  });
}

/** The 16 bytes of an IPv6 address whose syntax isIP has accepted; a zone (RFC 6874) does not change the class. */
function ipv6Bytes(ip: string): number[] {
  const [address = ''] = ip.split('%');
  const [head = '', tail] = address.split('::');
  const left = ipv6Groups(head);
  const right = tail === undefined ? [] : ipv6Groups(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

function prefix(cidr: string): Prefix {
  const [address = '', bits = ''] = cidr.split('/');
  return { bytes: isIP(address) === 4 ? ipv4Bytes(address) : ipv6Bytes(address), bits: Number(bits) };
}

function within(bytes: readonly number[], { bytes: prefixBytes, bits }: Prefix): boolean {
  for (let index = 0; index * 8 < bits; index++) {
    const mask = (0xff << Math.max(0, 8 - (bits - index * 8))) & 0xff;
    if (((bytes[index] ?? 0) & mask) !== ((prefixBytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

function firstMatch(rules: readonly Rule[], bytes: readonly number[]): AddressClass | undefined {
  return rules.find(([candidate]) => within(bytes, candidate))?.[1];
}

// First match wins: the single metadata addresses come before the link-local range that holds them.
const IPV4_RULES: readonly Rule[] = [
  [prefix('169.254.169.254/32'), 'cloudMetadata'], // EC2 instance metadata (IMDS); also GCP and Azure
  [prefix('169.254.170.2/32'), 'cloudMetadata'], // ECS task metadata and task role credentials
  [prefix('169.254.170.23/32'), 'cloudMetadata'], // EKS Pod Identity agent
  [prefix('0.0.0.0/8'), 'unspecified'], // RFC 6890 §2.2.2
  [prefix('10.0.0.0/8'), 'private'], // RFC 1918
  [prefix('100.64.0.0/10'), 'carrierGradeNat'], // RFC 6598
  [prefix('127.0.0.0/8'), 'loopback'], // RFC 1122 §3.2.1.3
  [prefix('169.254.0.0/16'), 'linkLocal'], // RFC 3927
  [prefix('172.16.0.0/12'), 'private'], // RFC 1918
  [prefix('192.0.0.0/24'), 'reserved'], // RFC 6890 §2.2.2, IETF protocol assignments
  [prefix('192.0.2.0/24'), 'documentation'], // RFC 5737 TEST-NET-1
  [prefix('192.88.99.0/24'), 'reserved'], // RFC 7526, deprecated 6to4 relay anycast
  [prefix('192.168.0.0/16'), 'private'], // RFC 1918
  [prefix('198.18.0.0/15'), 'reserved'], // RFC 2544, benchmarking
  [prefix('198.51.100.0/24'), 'documentation'], // RFC 5737 TEST-NET-2
  [prefix('203.0.113.0/24'), 'documentation'], // RFC 5737 TEST-NET-3
  [prefix('224.0.0.0/4'), 'multicast'], // RFC 5771
  [prefix('240.0.0.0/4'), 'reserved'], // RFC 1112 §4 future use; holds 255.255.255.255, limited broadcast (RFC 919)
];

const IPV6_RULES: readonly Rule[] = [
  [prefix('::/128'), 'unspecified'], // RFC 4291 §2.5.2
  [prefix('::1/128'), 'loopback'], // RFC 4291 §2.5.3
  [prefix('fd00:ec2::254/128'), 'cloudMetadata'], // EC2 instance metadata over IPv6 (Nitro)
  [prefix('fd00:ec2::23/128'), 'cloudMetadata'], // EKS Pod Identity agent over IPv6
  [prefix('fc00::/7'), 'uniqueLocal'], // RFC 4193
  [prefix('fe80::/10'), 'linkLocal'], // RFC 4291 §2.5.6
  [prefix('ff00::/8'), 'multicast'], // RFC 4291 §2.7
  [prefix('2001::/23'), 'reserved'], // RFC 2928, IETF protocol assignments: Teredo, benchmarking, ORCHID ...
  [prefix('2001:db8::/32'), 'documentation'], // RFC 3849
  [prefix('3fff::/20'), 'documentation'], // RFC 9637
];

// IPv6 forms that carry an IPv4 address a connection may end up at: the class is the IPv4 address's.
const IPV4_MAPPED = prefix('::ffff:0:0/96'); // RFC 4291 §2.5.5.2, last 32 bits
const NAT64 = prefix('64:ff9b::/96'); // RFC 6052 §2.1 well-known prefix, last 32 bits
const SIX_TO_FOUR = prefix('2002::/16'); // RFC 3056 §2, bits 16 to 47

// RFC 4291 §2.4 and the IANA IPv6 address space registry: only 2000::/3 is global unicast. The rest not
// named above (IPv4-compatible ::/96, 64:ff9b:1::/48 of RFC 8215, 100::/64 of RFC 6666, site-local
// fec0::/10 of RFC 3879 ...) is reserved by the IETF.
const GLOBAL_UNICAST = prefix('2000::/3');

function classifyIpv4(bytes: readonly number[]): AddressClass {
  return firstMatch(IPV4_RULES, bytes) ?? 'public';
}

function classifyIpv6(bytes: readonly number[]): AddressClass {
  if (within(bytes, IPV4_MAPPED) || within(bytes, NAT64)) return classifyIpv4(bytes.slice(12));
  if (within(bytes, SIX_TO_FOUR)) return classifyIpv4(bytes.slice(2, 6));
  return firstMatch(IPV6_RULES, bytes) ?? (within(bytes, GLOBAL_UNICAST) ? 'public' : 'reserved');
}

/** The class of an IPv4 or IPv6 address in any textual form isIP accepts; throws on anything else. */
export function classifyAddress(ip: string): AddressClass {
  const version = isIP(ip);
  if (version === 4) return classifyIpv4(ipv4Bytes(ip));
  if (version === 6) return classifyIpv6(ipv6Bytes(ip));
  throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
}

const DESCRIPTIONS: Readonly<Record<Exclude<AddressClass, 'public'>, string>> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique local address',
  cloudMetadata: 'a cloud metadata service address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  carrierGradeNat: 'a carrier-grade NAT address',
  documentation: 'a documentation address',
  reserved: 'a reserved address',
};

export interface AddressPolicyOptions {
  /** The local runner's clients listen on this host: loopback, and only loopback, is then allowed. */
  readonly allowLoopback: boolean;
}

/**
 * Why the provider may not connect to `ip`, as a phrase naming the class ("a loopback address") to
 * follow "is" or "resolves to"; undefined when it may. Deliberately without the address itself: a
 * caller can report that a client's host resolves to a private address without disclosing which one.
 * Anything that is not an IP address is refused (fail closed).
 */
export function forbiddenReason(ip: string, options: AddressPolicyOptions): string | undefined {
  if (isIP(ip) === 0) return 'something that is not an IP address';
  const addressClass = classifyAddress(ip);
  if (addressClass === 'public') return undefined;
  if (addressClass === 'loopback' && options.allowLoopback) return undefined;
  return DESCRIPTIONS[addressClass];
}
