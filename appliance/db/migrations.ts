// Numbered schema migrations: append only. Never edit one that has shipped; add the next.

export const MIGRATIONS: readonly string[] = [
  // 1: agents and settings
  `
  CREATE TABLE agents (
    id           TEXT PRIMARY KEY,
    hostname     TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen    INTEGER,
    interval_s   INTEGER,
    inventory    TEXT
  );
  CREATE INDEX agents_hostname ON agents(hostname);
  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
];
