// A LAN of network namespaces for tests and benchmarks of what a network failure does (S13, B4):
// a bridge in a namespace of its own and one namespace per node, each linked to the bridge by a
// veth pair; the calling process's side is `root`. Nothing but veth links and these namespaces:
// no other address is touched. Needs root.
import { execFileSync } from 'node:child_process';
import type { Teardownable } from './appliance-harness.js';

export interface NetnsLan {
  /** the node's address on the bridge (`root`: the calling process's side) */
  addr: (node: string) => string;
  /** the node's namespace name, for `ip netns exec` (the harness's `netns` option) */
  ns: (node: string) => string;
  /** the node's link set up or down (its eth0, inside its namespace) */
  link: (node: string, up: boolean) => void;
}

const ip = (...args: string[]): void => { execFileSync('ip', args, { stdio: 'pipe' }); };

/**
 * Addresses 10.213.<n>.0/24, n from the pid, so that parallel runs (other worktrees) do not meet.
 * Everything is removed in teardown.
 */
export function makeLan(tt: Teardownable, nodes: readonly string[]): NetnsLan {
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
  return {
    addr: (node) => `${net3}.${index(node) + 1}`,
    ns: (node) => `rw${tag}${node}`,
    link: (node, up) => ip('-n', `rw${tag}${node}`, 'link', 'set', 'eth0', up ? 'up' : 'down'),
  };
}
