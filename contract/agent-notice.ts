// What the appliance tells one agent about its own traffic (RES, docs/mqtt-contract.md): published
// retained on `rw/v1/<agentId>/notice`, so an agent reads the latest one at every connect. MQTT
// 3.1.1's PUBACK carries no reason code, so this is how an agent learns that some of what it sent
// was acknowledged but not stored. No zod here: the agent parses it without loading zod.

export interface SeriesQuotaNotice {
  v: 1;
  kind: 'series-quota';
  code: 'RW_ERR_SERIES_QUOTA';
  /** unix seconds of the refusal */
  atS: number;
  /** the agent's quota of RRD files, and how many it has */
  maxFiles: number;
  files: number;
  /** a refused series, `<family>[-<encoded key>].<step>s` */
  example: string;
  message: string;
}

export type AgentNotice = SeriesQuotaNotice;

/** The notice in a payload, or null for anything else (an unknown kind from a newer appliance). */
export function parseAgentNotice(payload: Buffer | string): AgentNotice | null {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const n = json as Partial<SeriesQuotaNotice>;
  if (n.v !== 1 || n.kind !== 'series-quota' || typeof n.atS !== 'number' || typeof n.maxFiles !== 'number'
    || typeof n.files !== 'number' || typeof n.example !== 'string' || typeof n.message !== 'string') return null;
  return { v: 1, kind: 'series-quota', code: 'RW_ERR_SERIES_QUOTA', atS: n.atS, maxFiles: n.maxFiles, files: n.files, example: n.example, message: n.message };
}
