/**
 * The SSRF address policy for client notification endpoints (CIBA Core §10.2, §10.3): every special
 * range of the IANA registries (RFC 6890), at its edges, in every textual form of IPv6.
 */
import { describe, expect, it } from 'vitest';
import { classifyAddress, forbiddenReason, type AddressClass } from '../../../lambdas/core/notification/address-policy.js';

const IPV4: ReadonlyArray<readonly [string, AddressClass]> = [
  // RFC 1122 §3.2.1.3 loopback, 127/8, and its neighbours
  ['127.0.0.1', 'loopback'],
  ['127.0.0.0', 'loopback'],
  ['127.255.255.255', 'loopback'],
  ['126.255.255.255', 'public'],
  ['128.0.0.0', 'public'],
  // RFC 1918
  ['10.0.0.0', 'private'],
  ['10.255.255.255', 'private'],
  ['9.255.255.255', 'public'],
  ['11.0.0.0', 'public'],
  ['172.15.255.255', 'public'],
  ['172.16.0.0', 'private'],
  ['172.31.255.255', 'private'],
  ['172.32.0.0', 'public'],
  ['192.167.255.255', 'public'],
  ['192.168.0.0', 'private'],
  ['192.168.255.255', 'private'],
  ['192.169.0.0', 'public'],
  // RFC 3927 link-local, and the metadata services inside it
  ['169.254.0.0', 'linkLocal'],
  ['169.254.255.255', 'linkLocal'],
  ['169.254.169.253', 'linkLocal'],
  ['169.254.169.254', 'cloudMetadata'],
  ['169.254.169.255', 'linkLocal'],
  ['169.254.170.2', 'cloudMetadata'],
  ['169.254.170.23', 'cloudMetadata'],
  ['169.253.255.255', 'public'],
  ['169.255.0.0', 'public'],
  // RFC 6890 "this network"
  ['0.0.0.0', 'unspecified'],
  ['0.255.255.255', 'unspecified'],
  ['1.0.0.0', 'public'],
  // RFC 6598 shared address space
  ['100.63.255.255', 'public'],
  ['100.64.0.0', 'carrierGradeNat'],
  ['100.127.255.255', 'carrierGradeNat'],
  ['100.128.0.0', 'public'],
  // RFC 5771 multicast, RFC 1112 future use, limited broadcast
  ['223.255.255.255', 'public'],
  ['224.0.0.0', 'multicast'],
  ['239.255.255.255', 'multicast'],
  ['240.0.0.0', 'reserved'],
  ['255.255.255.254', 'reserved'],
  ['255.255.255.255', 'reserved'],
  // RFC 6890 protocol assignments, RFC 7526, RFC 2544 benchmarking, RFC 5737 documentation
  ['192.0.0.0', 'reserved'],
  ['192.0.0.255', 'reserved'],
  ['192.0.1.0', 'public'],
  ['192.0.2.0', 'documentation'],
  ['192.0.2.255', 'documentation'],
  ['192.0.3.0', 'public'],
  ['192.88.99.1', 'reserved'],
  ['198.17.255.255', 'public'],
  ['198.18.0.0', 'reserved'],
  ['198.19.255.255', 'reserved'],
  ['198.20.0.0', 'public'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  // Globally reachable
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['52.94.76.10', 'public'],
];

const IPV6: ReadonlyArray<readonly [string, AddressClass]> = [
  // RFC 4291 §2.5.2, §2.5.3, in compressed, full and padded forms
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['0000:0000:0000:0000:0000:0000:0000:0001', 'loopback'],
  ['::', 'unspecified'],
  ['0:0:0:0:0:0:0:0', 'unspecified'],
  ['::2', 'reserved'],
  // RFC 4291 §2.5.6 link-local, RFC 3879 deprecated site-local
  ['fe80::1', 'linkLocal'],
  ['FE80::ABCD:1', 'linkLocal'],
  ['febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'linkLocal'],
  ['fe80::1%eth0', 'linkLocal'],
  ['fec0::1', 'reserved'],
  // RFC 4193 unique local, and the EC2 metadata services inside it
  ['fc00::', 'uniqueLocal'],
  ['fd12:3456:789a::1', 'uniqueLocal'],
  ['FDFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF', 'uniqueLocal'],
  ['fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'reserved'],
  ['fd00:ec2::254', 'cloudMetadata'],
  ['FD00:EC2:0:0:0:0:0:254', 'cloudMetadata'],
  ['fd00:0ec2:0000:0000:0000:0000:0000:0254', 'cloudMetadata'],
  ['fd00:ec2::23', 'cloudMetadata'],
  ['fd00:ec2::253', 'uniqueLocal'],
  // RFC 4291 §2.7 multicast
  ['ff02::1', 'multicast'],
  ['FF05::1:3', 'multicast'],
  // RFC 4291 §2.5.5.2 IPv4-mapped: the embedded IPv4 address decides, dotted or hex
  ['::ffff:127.0.0.1', 'loopback'],
  ['::FFFF:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::FFFF:7F00:0001', 'loopback'],
  ['0:0:0:0:0:ffff:7f00:1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
  ['::ffff:169.254.169.254', 'cloudMetadata'],
  ['::ffff:a9fe:a9fe', 'cloudMetadata'],
  ['::ffff:0.0.0.0', 'unspecified'],
  ['::ffff:100.64.0.1', 'carrierGradeNat'],
  ['::ffff:8.8.8.8', 'public'],
  ['::ffff:808:808', 'public'],
  // RFC 6052 NAT64 well-known prefix: the embedded IPv4 address decides
  ['64:ff9b::127.0.0.1', 'loopback'],
  ['64:ff9b::7f00:1', 'loopback'],
  ['64:FF9B::A9FE:A9FE', 'cloudMetadata'],
  ['64:ff9b::10.0.0.1', 'private'],
  ['64:ff9b::808:808', 'public'],
  ['64:ff9b:1::a00:1', 'reserved'], // RFC 8215 local-use prefix
  // RFC 3056 6to4: the embedded IPv4 address decides
  ['2002:7f00:1::', 'loopback'],
  ['2002:a9fe:a9fe::1', 'cloudMetadata'],
  ['2002:808:808::1', 'public'],
  // Deprecated IPv4-compatible (RFC 4291 §2.5.5.1), discard-only (RFC 6666), IETF protocol assignments (RFC 2928)
  ['::127.0.0.1', 'reserved'],
  ['::8.8.8.8', 'reserved'],
  ['100::1', 'reserved'],
  ['2001::1', 'reserved'],
  ['2001:2::1', 'reserved'],
  ['2001:1ff:ffff::', 'reserved'],
  // Documentation: RFC 3849, RFC 9637
  ['2001:db8::1', 'documentation'],
  ['2001:DB8:FFFF:FFFF::', 'documentation'],
  ['2001:db9::1', 'public'],
  ['3fff::1', 'documentation'],
  ['3fff:0fff:ffff::', 'documentation'],
  ['3fff:1000::', 'public'],
  // Outside 2000::/3 nothing is allocated for global unicast (RFC 4291 §2.4)
  ['4000::1', 'reserved'],
  ['1fff:ffff::', 'reserved'],
  // Globally reachable
  ['2000::', 'public'],
  ['2001:200::1', 'public'],
  ['2001:4860:4860::8888', 'public'],
  ['2606:4700:4700::1111', 'public'],
  ['2a05:d014:0:0::1', 'public'],
  ['3ffe:ffff::', 'public'],
];

describe('classifyAddress', () => {
  it.each(IPV4)('IPv4 %s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it.each(IPV6)('IPv6 %s is %s', (ip, expected) => {
    expect(classifyAddress(ip)).toBe(expected);
  });

  it.each(['localhost', '127.1', '2130706433', '0x7f.0.0.1', '[::1]', '1::2::3', '', '127.0.0.1 '])('throws on %j, which is no IP address', (value) => {
    expect(() => classifyAddress(value)).toThrow(TypeError);
  });
});

describe('forbiddenReason', () => {
  const deployed = { allowLoopback: false };
  const local = { allowLoopback: true };

  it('allows public addresses, IPv4 and IPv6', () => {
    for (const ip of ['8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect(forbiddenReason(ip, deployed)).toBeUndefined();
      expect(forbiddenReason(ip, local)).toBeUndefined();
    }
  });

  it.each<readonly [string, string]>([
    ['127.0.0.1', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['10.0.0.1', 'a private address'],
    ['169.254.1.1', 'a link-local address'],
    ['fd12::1', 'a unique local address'],
    ['169.254.169.254', 'a cloud metadata service address'],
    ['fd00:ec2::254', 'a cloud metadata service address'],
    ['0.0.0.0', 'an unspecified address'],
    ['::', 'an unspecified address'],
    ['ff02::1', 'a multicast address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['192.0.2.1', 'a documentation address'],
    ['255.255.255.255', 'a reserved address'],
  ])('refuses %s in a deployment: %s', (ip, reason) => {
    expect(forbiddenReason(ip, deployed)).toBe(reason);
  });

  it('allows loopback, in every form, only when the local runner says so', () => {
    for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
      expect(forbiddenReason(ip, deployed)).toBe('a loopback address');
      expect(forbiddenReason(ip, local)).toBeUndefined();
    }
  });

  it('refuses every other class even when loopback is allowed', () => {
    for (const ip of ['10.0.0.1', '169.254.169.254', '169.254.170.2', 'fd00:ec2::254', '0.0.0.0', '::', 'fe80::1', '100.64.0.1']) {
      expect(forbiddenReason(ip, local)).toBeDefined();
    }
  });

  it('keeps the address out of the reason', () => {
    expect(forbiddenReason('10.1.2.3', deployed)).not.toContain('10.1.2.3');
  });

  it('refuses what is not an IP address rather than throwing (fail closed)', () => {
    expect(forbiddenReason('localhost', local)).toBe('something that is not an IP address');
    expect(forbiddenReason('', local)).toBe('something that is not an IP address');
  });
});
