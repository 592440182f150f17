// An agent's liveness as the appliance sees it (S3): the server list, groups and alert rules use it.

export type AgentStatus = 'online' | 'offline' | 'unknown';
