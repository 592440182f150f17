// Server dependencies (B10), pure: which parents (agent or check ids) a server's alerts wait on,
// how many servers sit behind a parent, and the cycle a change would make. A server's parents
// are its own and those of its groups. A check's alerts are the alerts of the servers it runs on
// or probes, so a check leads on to those servers: "web-01 depends on the probe of web-02, web-02
// depends on web-01" is a cycle, in which a failure would silence both for ever.

export interface DependencyEdges {
  /** agent id → its own parents */
  servers: ReadonlyMap<string, readonly string[]>;
  /** group id → the parents of each of its members */
  groups: ReadonlyMap<string, readonly string[]>;
}

export interface GraphFacts {
  /** agent id → its group ids */
  groupsOf: ReadonlyMap<string, readonly string[]>;
  /** the servers whose alerts a check raises (null: no such check) */
  checkServers: (checkId: string) => readonly string[] | null;
}

/** A server's parents: its own, then its groups', each once. */
export function parentsOf(edges: DependencyEdges, agentId: string, groupIds: readonly string[]): string[] {
  const out = new Set(edges.servers.get(agentId) ?? []);
  for (const g of groupIds) for (const p of edges.groups.get(g) ?? []) out.add(p);
  return [...out];
}

/** Every server with parents, with its parents (own and groups'). */
function allParents(edges: DependencyEdges, facts: GraphFacts): Map<string, string[]> {
  const owners = new Set(edges.servers.keys());
  for (const [agentId, groups] of facts.groupsOf) if (groups.some((g) => edges.groups.has(g))) owners.add(agentId);
  const out = new Map<string, string[]>();
  for (const a of owners) out.set(a, parentsOf(edges, a, facts.groupsOf.get(a) ?? []));
  return out;
}

/** Where each node leads on to: a server to its parents, a check to the servers whose alerts it raises. */
function successors(edges: DependencyEdges, facts: GraphFacts): (node: string) => readonly string[] {
  const parents = allParents(edges, facts);
  const checkCache = new Map<string, readonly string[]>();
  return (node) => {
    const p = parents.get(node);
    if (p) return p;
    let servers = checkCache.get(node);
    if (!servers) {
      servers = facts.checkServers(node) ?? [];
      checkCache.set(node, servers);
    }
    return servers;
  };
}

/** A cycle through the dependencies as the ids along it ("a → b → a"), or null. Nodes past `maxDepth` count as a cycle too. */
export function findCycle(edges: DependencyEdges, facts: GraphFacts, starts: Iterable<string>, maxDepth: number): string[] | null {
  const next = successors(edges, facts);
  const done = new Set<string>();
  const walk = (node: string, path: string[]): string[] | null => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (path.length > maxDepth) return [...path, node];
    if (done.has(node)) return null;
    path.push(node);
    for (const n of next(node)) {
      const found = walk(n, path);
      if (found) return found;
    }
    path.pop();
    done.add(node);
    return null;
  };
  for (const s of starts) {
    const found = walk(s, []);
    if (found) return found;
  }
  return null;
}

/**
 * parent id → how many servers depend on it, directly or through others (a switch behind a
 * router counts for the router too). Servers are counted once per parent.
 */
export function dependantCounts(edges: DependencyEdges, facts: GraphFacts): Map<string, number> {
  const children = new Map<string, string[]>();
  const add = (parent: string, child: string): void => {
    const list = children.get(parent) ?? [];
    list.push(child);
    children.set(parent, list);
  };
  for (const [agentId, parents] of allParents(edges, facts)) for (const p of parents) add(p, agentId);
  // a check's own servers are reached through it: servers behind those servers are behind the check
  for (const parent of [...children.keys()]) {
    for (const s of facts.checkServers(parent) ?? []) for (const c of children.get(s) ?? []) if (c !== s) add(parent, c);
  }
  const counts = new Map<string, number>();
  for (const parent of children.keys()) {
    const seen = new Set<string>();
    const queue = [...(children.get(parent) ?? [])];
    while (queue.length > 0) {
      const c = queue.pop() as string;
      if (seen.has(c) || c === parent) continue;
      seen.add(c);
      queue.push(...(children.get(c) ?? []));
    }
    counts.set(parent, seen.size);
  }
  return counts;
}
