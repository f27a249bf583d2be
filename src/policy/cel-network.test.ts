/**
 * Kubernetes' URL, IP and CIDR libraries: the answers Kubernetes documents
 * (https://kubernetes.io/docs/reference/using-api/cel/) and Go's parsing rules behind them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cidrContainsCidr,
  cidrContainsIp,
  cidrIp,
  cidrMasked,
  cidrPrefixLength,
  cidrValue,
  ipPredicate,
  ipValue,
  parseCidr,
  parseIp,
  parseUrl,
  urlField,
  urlQuery,
} from './cel-network.js';
import { EvalFailure } from './cel-runtime.js';

describe('Kubernetes URL library', () => {
  it('answers as Kubernetes documents', () => {
    assert.equal(urlField('https://example.com:80/', 'getHost'), 'example.com:80');
    assert.equal(urlField('https://[::1]:80/', 'getHost'), '[::1]:80');
    assert.equal(urlField('https://[::1]:80/', 'getHostname'), '::1');
    assert.equal(urlField('https://example.com:80/', 'getPort'), '80');
    assert.equal(urlField('https://example.com/', 'getPort'), '');
    assert.equal(urlField('/absolute-path', 'getScheme'), '');
    assert.equal(urlField('HTTPS://example.com/', 'getScheme'), 'https');
    assert.equal(
      urlField('https://example.com/path with spaces/', 'getEscapedPath'),
      '/path%20with%20spaces/',
    );
    assert.equal(urlField('https://example.com/a%2Fb', 'getEscapedPath'), '/a%2Fb');
    assert.equal(urlField('https://user:pw@example.com/', 'getHost'), 'example.com');
    assert.deepEqual(
      { ...urlQuery('https://example.com/path?k1=a&k2=b&k2=c') },
      { k1: ['a'], k2: ['b', 'c'] },
    );
    assert.deepEqual(
      { ...urlQuery('https://example.com/?a=x+y&b=%zz&c;d=1&=e#f') },
      { a: ['x y'], '': ['e'] },
    );
  });

  it('refuses what url.ParseRequestURI refuses', () => {
    for (const bad of [
      '',
      'example.com/x',
      'relative',
      'https://exa mple.com/',
      'https://a.example:8o/',
      '/a%zz',
    ]) {
      assert.equal(typeof parseUrl(bad), 'string', bad);
    }
    assert.throws(() => urlField('not a url', 'getHost'), EvalFailure);
  });
});

describe('Kubernetes IP and CIDR libraries', () => {
  it('parses addresses as netip does, refusing zones and IPv4-mapped IPv6', () => {
    assert.equal(ipValue('127.0.0.1'), '127.0.0.1');
    assert.equal(ipValue('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(ipValue('2001:db8:0:1:0:0:1:1'), '2001:db8:0:1::1:1');
    assert.equal(ipValue('1:0:1:0:1:0:1:0'), '1:0:1:0:1:0:1:0');
    assert.equal(ipValue('::'), '::');
    assert.equal(ipValue('::1.2.3.4'), '::102:304');
    for (const bad of [
      '010.0.0.1',
      '1.2.3',
      '256.0.0.1',
      '::ffff:1.2.3.4',
      'fe80::1%eth0',
      '1::2::3',
      '1:2:3:4:5:6:7:8::',
      'x',
    ]) {
      assert.equal(typeof parseIp(bad), 'string', bad);
    }
  });

  it('classifies addresses with Go netip ranges', () => {
    assert.equal(ipPredicate('127.0.0.1', 'isLoopback'), true);
    assert.equal(ipPredicate('::1', 'isLoopback'), true);
    assert.equal(ipPredicate('0.0.0.0', 'isUnspecified'), true);
    assert.equal(ipPredicate('::', 'isUnspecified'), true);
    assert.equal(ipPredicate('224.0.0.1', 'isLinkLocalMulticast'), true);
    assert.equal(ipPredicate('ff02::1', 'isLinkLocalMulticast'), true);
    assert.equal(ipPredicate('169.254.1.1', 'isLinkLocalUnicast'), true);
    assert.equal(ipPredicate('fe80::1', 'isLinkLocalUnicast'), true);
    // Private ranges are global unicast in Go (and so in Kubernetes).
    assert.equal(ipPredicate('192.168.0.1', 'isGlobalUnicast'), true);
    assert.equal(ipPredicate('2001:db8::1', 'isGlobalUnicast'), true);
    assert.equal(ipPredicate('255.255.255.255', 'isGlobalUnicast'), false);
    assert.equal(ipPredicate('224.0.0.1', 'isGlobalUnicast'), false);
  });

  it('answers CIDR questions as Kubernetes documents', () => {
    assert.equal(cidrContainsIp('192.168.0.0/16', '192.168.0.1'), true);
    assert.equal(cidrContainsIp('192.168.0.0/16', '192.169.0.1'), false);
    assert.equal(cidrContainsIp('10.0.0.0/8', '::1'), false);
    assert.equal(cidrContainsCidr('192.168.0.0/16', '192.168.10.0/24'), true);
    assert.equal(cidrContainsCidr('192.168.10.0/24', '192.168.0.0/16'), false);
    assert.equal(cidrContainsCidr('::/0', '10.0.0.0/8'), false);
    assert.equal(cidrIp('192.168.0.1/24'), '192.168.0.1');
    assert.equal(cidrMasked('192.168.0.1/24'), '192.168.0.0/24');
    assert.equal(cidrPrefixLength('192.168.0.0/24'), 24);
    assert.equal(cidrValue('2001:DB8::/32'), '2001:db8::/32');
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0.0/08', '10.0.0.0/-1', 'fe80::%eth0/64']) {
      assert.equal(typeof parseCidr(bad), 'string', bad);
    }
  });
});
