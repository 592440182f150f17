// Which appliance's configuration an agent of a standby pair applies (S13, B4; docs/standby.md
// "Agents after a promotion"). The agent hears a configuration from each appliance it publishes
// to: the one of `--appliance` and, with `--standby-mqtt`, the standby's. Each appliance of a pair
// tags its configs with its role and promotion term (`pair`); the agent applies the configs of the
// appliance that says primary under the highest term, so that after a promotion (or the old
// primary's giving way) an edit on the new primary reaches it, and the standby's copies never do.
// A config without a tag comes from a lone appliance (or one older than the tag): from
// `--appliance` it counts as a primary of term 0, from the standby's link it is never applied.
// At equal terms `--appliance` wins. No link saying primary: the agent keeps what it applied.
import { PAIR_ROLES, type PairTag } from '../contract/pair.js';
import type { Logger } from '../core/logger.js';

/** Where a configuration came from: the `--appliance` session or the `--standby-mqtt` one. */
export type ConfigLink = 'appliance' | 'standby';

interface Heard {
  payload: Buffer;
  tag: PairTag | null;
}

/** The `pair` tag of a configuration, or null (none, or not one: the full check is applyConfig's). */
export function pairTagOf(payload: Buffer): PairTag | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return null;
  }
  const pair = (parsed as { pair?: unknown } | null)?.pair as { role?: unknown; term?: unknown } | undefined;
  if (!pair || typeof pair !== 'object') return null;
  const { role, term } = pair;
  if (!(PAIR_ROLES as readonly unknown[]).includes(role) || !Number.isSafeInteger(term) || (term as number) < 0) return null;
  return { role: role as PairTag['role'], term: term as number };
}

export class PairConfigSource {
  private readonly heard = new Map<ConfigLink, Heard>();
  private chosen: ConfigLink = 'appliance';

  constructor(private readonly apply: (payload: Buffer) => void, private readonly log: Logger) {}

  /** The link the agent takes its configuration from now. */
  get source(): ConfigLink {
    return this.chosen;
  }

  /** A configuration arrived on `link`: applied when it is (or makes its link) the primary's. */
  offer(link: ConfigLink, payload: Buffer): void {
    const tag = pairTagOf(payload);
    this.heard.set(link, { payload, tag });
    const next = this.choose();
    if (next !== this.chosen) {
      this.log.info(`the configuration now comes from the ${next === 'standby' ? "standby link's appliance (--standby-mqtt)" : 'appliance of --appliance'}: it says primary under the higher term`,
        { from: this.chosen, to: next, term: this.rank(next) });
      this.chosen = next;
      const chosen = this.heard.get(next);
      if (chosen) this.apply(chosen.payload);
      return;
    }
    // a link that stopped saying primary (and no other says it) keeps what was applied
    if (link === this.chosen && this.rank(link) !== null) this.apply(payload);
  }

  /** The term under which a link says primary; null: it does not (or said nothing yet). */
  private rank(link: ConfigLink): number | null {
    const heard = this.heard.get(link);
    if (!heard) return null;
    if (!heard.tag) return link === 'appliance' ? 0 : null;
    return heard.tag.role === 'primary' ? heard.tag.term : null;
  }

  private choose(): ConfigLink {
    const main = this.rank('appliance');
    const standby = this.rank('standby');
    if (standby !== null && (main === null || standby > main)) return 'standby';
    if (main !== null) return 'appliance';
    return this.chosen;
  }
}
