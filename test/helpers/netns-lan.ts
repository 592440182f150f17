// A LAN of network namespaces the test makes (S13, B4): a bridge in a namespace of its own and one
// namespace per node, each linked to the bridge by a veth pair, this test process on the bridge
// too (`root`). Only veth and loopback links: nothing leaves the machine. Shared by the sentinel
// and standby-pair tests in namespaces and scripts/bench/failover.ts.
import { execFileSync } from 'node:child_process';
import type { Teardownable } from './appliance-harness.js';

/** tap's options for a test that needs namespaces: skipped, saying why, when not root (CI runs as root) */
export const asRoot = { skip: process.getuid?.() === 0 ? false : 'needs root to create network namespaces' };

const ip = (...args: string[]): void => { execFileSync('ip', args, { stdio: 'pipe' }); };

export interface Lan {
  /** the node's address on the bridge ('root': this process's) */
  addr(node: string): string;
  /** the node's namespace name, for `ip netns exec` (startAppliance's and startAgent's `netns`) */
  ns(node: string): string;
  /** the node's link to the bridge up or down (a pulled cable) */
  link(node: string, up: boolean): void;
  /**
   * Cuts (or restores) the path between two nodes only, both links staying up: a blackhole route
   * to the other in each namespace, so packets between them are dropped silently, as by a broken
   * switch port between two racks, while every other node still reaches both.
   */
  cut(a: string, b: string, cut: boolean): void;
}

/**
 * Addresses 10.213.<n>.0/24, n from the pid, so that parallel runs (other worktrees) do not meet.
 * Everything is removed in teardown.
 */
/** the benchmark's name for it */
export type NetnsLan = Lan;

export function makeLan(tt: Teardownable, nodes: readonly string[]): Lan {
  const tag = String(process.pid % 100_000);
  const net3 = `10.213.${process.pid % 250}`;
  const lan = `rwlan${tag}`;
  const made: string[] = [];
  tt.teardown(() => { for (const n of made.reverse()) { try { ip('netns', 'del', n); } catch { /* gone */ } } });
  ip('netns', 'add', lan);
  made.push(lan);
  ip('-n', lan, 'link', 'add', 'br0', 'type', 'bridge');
  ip('-n', lan, 'link', 'set', 'br0', 'up');
  const plug = (i: number, inNs: string | null): void => {
    const here = `rw${tag}h${i}`;
    const there = `rw${tag}b${i}`;
    ip('link', 'add', here, 'type', 'veth', 'peer', 'name', there);
    ip('link', 'set', there, 'netns', lan);
    ip('-n', lan, 'link', 'set', there, 'master', 'br0', 'up');
    if (inNs) {
      ip('link', 'set', here, 'netns', inNs);
      ip('-n', inNs, 'link', 'set', here, 'name', 'eth0');
      ip('-n', inNs, 'addr', 'add', `${net3}.${i + 1}/24`, 'dev', 'eth0');
      ip('-n', inNs, 'link', 'set', 'eth0', 'up');
      ip('-n', inNs, 'link', 'set', 'lo', 'up');
    } else {
      ip('addr', 'add', `${net3}.${i + 1}/24`, 'dev', here);
      ip('link', 'set', here, 'up');
      // deleting the lan namespace deletes this pair with it
    }
  };
  plug(0, null);
  nodes.forEach((node, k) => {
    const ns = `rw${tag}${node}`;
    ip('netns', 'add', ns);
    made.push(ns);
    plug(k + 1, ns);
  });
  const index = (node: string): number => (node === 'root' ? 0 : nodes.indexOf(node) + 1);
  const addr = (node: string): string => `${net3}.${index(node) + 1}`;
  const ns = (node: string): string => `rw${tag}${node}`;
  return {
    addr,
    ns,
    link: (node, up) => ip('-n', ns(node), 'link', 'set', 'eth0', up ? 'up' : 'down'),
    cut: (a, b, cut) => {
      for (const [from, to] of [[a, b], [b, a]] as const) ip('-n', ns(from), 'route', cut ? 'add' : 'del', 'blackhole', `${addr(to)}/32`);
    },
  };
}
