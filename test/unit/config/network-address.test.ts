import { cidr, isLoopbackHost, plainHttpProblem } from '../../../config/network-address.js';

describe('loopback and plain HTTP', () => {
  it('counts 127.0.0.0/8, ::1 (any spelling) and localhost as loopback, nothing else', () => {
    const loopback = [
      '127.0.0.1',
      '127.0.0.2',
      '127.255.255.254',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
      'localhost',
      'LOCALHOST',
    ];
    const remote = [
      '0.0.0.0',
      '',
      '10.0.0.1',
      '128.0.0.1',
      '::',
      'collector.internal',
      'localhost.example.com',
      '127.0.0.1.nip.io',
    ];
    expect(loopback.filter(isLoopbackHost)).toEqual(loopback);
    expect(remote.filter(isLoopbackHost)).toEqual([]);
  });

  it('objects to http:// off loopback only', () => {
    expect(plainHttpProblem('http://10.0.0.5:8080')).toMatch(/clear text/);
    expect(plainHttpProblem('http://collector.internal:8080/base')).toMatch(/clear text/);
    expect(plainHttpProblem('https://10.0.0.5:8443')).toBeUndefined();
    expect(plainHttpProblem('http://127.0.0.1:8080')).toBeUndefined();
    expect(plainHttpProblem('http://[::1]:8080')).toBeUndefined();
  });

  it('takes addresses and CIDR blocks for trusted_proxies, refuses anything else', () => {
    const good = ['10.0.0.0/8', '192.0.2.7', '192.0.2.7/32', '0.0.0.0/0', 'fd00::/8', '::1', '2001:db8::/128'];
    const bad = [
      '10.0.0.0/33',
      '10.0.0/8',
      '10.0.0.0/',
      '10.0.0.0/8/1',
      'fd00::/129',
      'proxy.internal',
      '10.0.0.0/-1',
      '',
    ];
    expect(good.filter((v) => cidr.safeParse(v).success)).toEqual(good);
    expect(bad.filter((v) => cidr.safeParse(v).success)).toEqual([]);
  });
});
