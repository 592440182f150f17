// The agent's version as published in its inventory. Kept equal to package.json's "version"
// (test/agent/inventory.test.ts checks it) so the single bundled file needs no package.json.
export const AGENT_VERSION = '0.1.0';
