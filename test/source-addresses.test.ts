// The source addresses a loopback run binds in turn are planned from the kernel's real ephemeral
// port range (net.ipv4.ip_local_port_range), not from a fixed 60,000: with the default
// 32768-60999 (28,232 ports) one address runs out at ~28K connections to one server port.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadClientTransport } from '../adapters/client/index.js';
import { readLocalPortRange } from '../bench/preflight.js';
import { connectionsPerSourceAddress, planSourceAddresses } from '../bench/target/source-addresses.js';
import { openTarget } from '../bench/target/target.js';
import { runOptions } from './fixtures/run-result.js';
import { listen } from './fixtures/servers.js';

const DEFAULT_RANGE: [number, number] = [32768, 60999];

describe('source addresses for many connections to one loopback server', () => {
  test('planned from the port range: 28,232 ports (90 % planned) make 100,000 connections need 4 addresses, 30,000 need 2', () => {
    assert.equal(connectionsPerSourceAddress(DEFAULT_RANGE), 25_408);
    assert.deepEqual(planSourceAddresses('127.0.0.1', 100_000, true, DEFAULT_RANGE), ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']);
    assert.deepEqual(planSourceAddresses('127.0.0.1', 30_000, true, DEFAULT_RANGE), ['127.0.0.1', '127.0.0.2']);
    assert.equal(planSourceAddresses('127.0.0.1', 25_000, true, DEFAULT_RANGE), undefined, 'one address is enough');
    assert.deepEqual(planSourceAddresses('127.0.0.1', 100_000, true, [1024, 65535]), ['127.0.0.1', '127.0.0.2'], 'a widened range needs fewer');
    assert.equal(planSourceAddresses('10.0.0.5', 100_000, true, DEFAULT_RANGE), undefined, 'only loopback addresses are ours to pick');
    assert.equal(planSourceAddresses('127.0.0.1', 100_000, false, DEFAULT_RANGE), undefined, 'a transport that cannot bind lets the OS choose');
    assert.equal(planSourceAddresses('127.0.0.1', 10_000_000, true, DEFAULT_RANGE)?.length, 254, 'at most 127.0.0.254');
  });

  test('the range is read from the kernel', () => {
    const text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    assert.deepEqual(readLocalPortRange(), [text[0], text[1]]);
  });

  test('a run of 30,000 connections to 127.0.0.1 on this machine binds as many addresses as its port range needs', async () => {
    const server = createServer((socket) => socket.destroy());
    const port = await listen(server);
    try {
      const options = runOptions(['--host', '127.0.0.1', '--port', String(port), '--test', 'sustained-hold', '--tiers', '30000']);
      const target = await openTarget(options, loadClientTransport('core'), () => undefined);
      const perAddress = connectionsPerSourceAddress(readLocalPortRange());
      const needed = Math.ceil(30_000 / perAddress);
      assert.equal(target.localAddresses?.length ?? 1, needed, `${perAddress} connections an address`);
      await target.close();
    } finally {
      server.close();
    }
  });
});
