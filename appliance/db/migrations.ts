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
  // 2: alerting (issue 4): rules, server groups, contacts, alerts and their history, and the
  // notification policy's state (appliance/alerts/alert-repository.ts)
  `
  CREATE TABLE alert_rules (
    id          TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    builtin     INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
  );
  CREATE TABLE server_groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
  );
  CREATE TABLE server_group_members (
    group_id    TEXT NOT NULL REFERENCES server_groups(id) ON DELETE CASCADE,
    agent_id    TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, agent_id)
  );
  CREATE INDEX server_group_members_agent ON server_group_members(agent_id);
  CREATE TABLE contacts (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    phone             TEXT NOT NULL,
    language          TEXT NOT NULL CHECK (language IN ('ko', 'en')),
    severities        TEXT NOT NULL,
    schedule          TEXT NOT NULL,
    escalation_level  INTEGER NOT NULL DEFAULT 0,
    enabled           INTEGER NOT NULL DEFAULT 1
  );
  CREATE TABLE alerts (
    id           INTEGER PRIMARY KEY,
    rule_id      TEXT NOT NULL,
    agent_id     TEXT NOT NULL,
    series_key   TEXT,
    severity     TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'firing', 'acknowledged', 'resolved')),
    started_at   INTEGER NOT NULL,
    fired_at     INTEGER,
    acked_at     INTEGER,
    acked_by     TEXT,
    resolved_at  INTEGER,
    snapshot     TEXT NOT NULL
  );
  CREATE INDEX alerts_open ON alerts(state) WHERE state <> 'resolved';
  CREATE INDEX alerts_agent ON alerts(agent_id, started_at);
  CREATE INDEX alerts_started ON alerts(started_at);
  CREATE TABLE alert_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id       INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    at             INTEGER NOT NULL,
    severity       TEXT NOT NULL,
    state          TEXT NOT NULL,
    from_severity  TEXT,
    by             TEXT
  );
  CREATE INDEX alert_events_alert ON alert_events(alert_id, id);
  CREATE TABLE alert_runtime (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  `,
];
