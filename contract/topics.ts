// MQTT topic contract, version 1 (docs/mqtt-contract.md): one place for every topic name so
// that the agent, the appliance and the tests agree by construction.

export const TOPIC_ROOT = 'rw/v1';

/** Topics an agent publishes (agent → appliance). */
/** `file-jobs`: the results of fleet file jobs (S17, contract/file-jobs.ts) */
export const AGENT_PUBLISH_LEAVES = ['metrics', 'inventory', 'status', 'checks', 'weblog', 'file-jobs'] as const;
export type AgentPublishLeaf = (typeof AGENT_PUBLISH_LEAVES)[number];

/** Topics the appliance publishes to one agent (appliance → agent). */
export const AGENT_SUBSCRIBE_LEAVES = ['config', 'notice'] as const;
export type AgentSubscribeLeaf = (typeof AGENT_SUBSCRIBE_LEAVES)[number];

export type TopicLeaf = AgentPublishLeaf | AgentSubscribeLeaf;

export function agentTopic(agentId: string, leaf: TopicLeaf): string {
  return `${TOPIC_ROOT}/${agentId}/${leaf}`;
}

export interface ParsedTopic {
  agentId: string;
  leaf: string;
}

/** Splits `rw/v1/<agentId>/<leaf>`; null for anything else (other roots, extra levels). */
export function parseAgentTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const agentId = parts[2];
  const leaf = parts[3];
  if (!agentId || !leaf) return null;
  return { agentId, leaf };
}

export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';
