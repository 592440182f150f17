// Statistics by host name (S10): `GET /stats?agents=` takes host names as well as ids, so a
// script or a bookmark can name servers the way people do. An entry that is an agent id stays
// one; otherwise it is a host name (any case), which must name exactly one server: two agents
// may enroll under the same name, and a figure silently taken from the wrong one would mislead.
import { RwError } from '../../contract/errors.js';

export interface ServerNames {
  /** whether an agent has this id */
  exists: (agentId: string) => boolean;
  /** the ids of the agents with this host name, compared without case */
  idsNamed: (hostname: string) => readonly string[];
}

/**
 * The agent ids meant by `entries` (ids or host names), in order, without repeats. An entry that
 * names no server is kept as it is, for the caller's "no server …" answer; an ambiguous host name
 * is refused here, naming it and its servers.
 */
export function resolveServers(entries: readonly string[], names: ServerNames): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    let id = entry;
    if (!names.exists(entry)) {
      const ids = names.idsNamed(entry);
      if (ids.length > 1) {
        throw new RwError('RW_ERR_BAD_REQUEST', `agents: host name ${entry} names ${ids.length} servers (${ids.slice(0, 5).join(', ')}); give the id of the one meant`);
      }
      id = ids[0] ?? entry;
    }
    if (!out.includes(id)) out.push(id);
  }
  return out;
}
