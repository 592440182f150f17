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
  // 2: alerting (S7, S8, S12): rules, server groups, contacts, alerts and their history, and the
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
  // 3: the SMS outbox (S12; appliance/notify/sms-outbox.ts): queued → sending → sent → delivered /
  // failed, one row per part for status-report matching, and muted servers (SMS `MUTE`)
  `
  CREATE TABLE sms_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    to_number        TEXT NOT NULL,
    contact_id       TEXT,
    kind             TEXT NOT NULL,
    text             TEXT NOT NULL,
    alert_ids        TEXT NOT NULL,
    dedupe_key       TEXT NOT NULL UNIQUE,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    next_attempt_at  INTEGER,
    sent_at          INTEGER,
    delivered_at     INTEGER,
    concat_ref       INTEGER,
    error_class      TEXT,
    last_error       TEXT
  );
  CREATE INDEX sms_outbox_due ON sms_outbox(state, next_attempt_at);
  CREATE TABLE sms_outbox_parts (
    outbox_id  INTEGER NOT NULL REFERENCES sms_outbox(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    mr         INTEGER NOT NULL,
    sent_at    INTEGER NOT NULL,
    delivery   TEXT NOT NULL CHECK (delivery IN ('pending', 'delivered', 'failed')),
    PRIMARY KEY (outbox_id, seq)
  );
  CREATE INDEX sms_outbox_parts_mr ON sms_outbox_parts(mr, sent_at);
  CREATE TABLE alert_mutes (
    agent_id  TEXT PRIMARY KEY,
    until_ms  INTEGER NOT NULL,
    by        TEXT NOT NULL
  );
  `,
  // 4: fleet (S3, S4): pre-registered servers (S3, S4: an address, and "awaiting an agent" until
  // one enrolls under the name), per-agent collector schedules (S2; the defaults are in
  // settings), visitor history (S15; appliance/visitors/visitor-repository.ts)
  `
  ALTER TABLE agents ADD COLUMN address TEXT;
  ALTER TABLE agents ADD COLUMN awaiting_agent INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE agent_config (
    agent_id    TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    overrides   TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE TABLE visitors (
    agent_id     TEXT NOT NULL,
    remote       TEXT NOT NULL,
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    connections  INTEGER NOT NULL,
    local_ports  TEXT NOT NULL,
    PRIMARY KEY (agent_id, remote)
  ) WITHOUT ROWID;
  CREATE INDEX visitors_last_seen ON visitors(last_seen);
  `,
  // 5: accounts (docs/security.md; appliance/accounts/): users and their roles, server-side
  // sessions and API tokens (both stored as SHA-256 of the random value), the audit log
  `
  CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash  TEXT NOT NULL,
    totp_secret    TEXT,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    id_hash        TEXT PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    last_seen_at   INTEGER NOT NULL,
    address        TEXT,
    user_agent     TEXT
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE api_tokens (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    prefix         TEXT NOT NULL,
    token_hash     TEXT NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER,
    revoked_at     INTEGER
  );
  CREATE INDEX api_tokens_prefix ON api_tokens(prefix);
  CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor     TEXT,
    address   TEXT,
    action    TEXT NOT NULL,
    target    TEXT,
    before    TEXT,
    after     TEXT
  );
  CREATE INDEX audit_log_at ON audit_log(at);
  CREATE INDEX audit_log_actor ON audit_log(actor, at);
  CREATE INDEX audit_log_action ON audit_log(action, at);
  `,
  // 6: service checks (S5, S6, S16; appliance/checks/): definitions per agent, per group or for
  // the appliance's own probes (removed with their agent or group), the last result of each
  // (check, agent) pair ('' = the appliance), state changes (bounded: check-history-bounds in
  // docs/bounds.md), and the checks' part of each agent's config revision
  `
  CREATE TABLE checks (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    agent_id    TEXT REFERENCES agents(id) ON DELETE CASCADE,
    group_id    TEXT REFERENCES server_groups(id) ON DELETE CASCADE,
    definition  TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE INDEX checks_agent ON checks(agent_id);
  CREATE INDEX checks_group ON checks(group_id);
  CREATE TABLE check_status (
    check_id     TEXT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
    agent_key    TEXT NOT NULL,
    state        TEXT NOT NULL,
    since        INTEGER NOT NULL,
    last_run     INTEGER NOT NULL,
    output       TEXT NOT NULL,
    long_output  TEXT NOT NULL,
    perfdata     TEXT NOT NULL,
    duration_ms  REAL NOT NULL,
    PRIMARY KEY (check_id, agent_key)
  ) WITHOUT ROWID;
  CREATE TABLE check_history (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    check_id   TEXT NOT NULL REFERENCES checks(id) ON DELETE CASCADE,
    agent_key  TEXT NOT NULL,
    t          INTEGER NOT NULL,
    state      TEXT NOT NULL,
    previous   TEXT NOT NULL,
    output     TEXT NOT NULL
  );
  CREATE INDEX check_history_instance ON check_history(check_id, agent_key, id);
  CREATE INDEX check_history_t ON check_history(t);
  CREATE TABLE agent_checks_config (
    agent_id     TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    fingerprint  TEXT NOT NULL,
    revision     INTEGER NOT NULL
  );
  `,
  // 7: saved statistics reports (S10; appliance/stats/): each definition, the scheduled instant
  // of its last run (so a run missed while the appliance was down is made once at the next
  // start), and the CSV each run produced (bounded per report: STATS_LIMITS.runsPerReport)
  `
  CREATE TABLE stats_reports (
    id          TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    last_due    INTEGER
  );
  CREATE TABLE stats_report_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id    TEXT NOT NULL REFERENCES stats_reports(id) ON DELETE CASCADE,
    produced_at  INTEGER NOT NULL,
    from_s       INTEGER NOT NULL,
    to_s         INTEGER NOT NULL,
    csv          TEXT,
    error        TEXT
  );
  CREATE INDEX stats_report_runs_report ON stats_report_runs(report_id, id);
  `,
  // 8: each agent's latest snapshot (routes, top processes, current visitors; S1, S15), so a
  // restarted appliance serves it before the agent's collectors next run (routes: every 300 s);
  // one row per agent, at most SNAPSHOT_MAX_BYTES (docs/bounds.md), gone with its agent
  `
  CREATE TABLE agent_snapshots (
    agent_id  TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
    snapshot  TEXT NOT NULL,
    saved_at  INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 9: saved walls (S9; appliance/walls/): each one's definition (name, time range, panels of
  // host name × family) as JSON, its name unique; bounded by WALL_LIMITS (docs/bounds.md). The
  // schematic map (S21) is one JSON value in settings ('schematic.layout').
  `
  CREATE TABLE walls (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    definition  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  `,
  // 10: the process and user history (S18; appliance/top-history/): one row per agent and
  // minute with its top processes by CPU and memory, its top users and its visitor count, as
  // JSON; bounded by age and rows per agent (TOP_HISTORY_LIMITS, docs/bounds.md), gone with its agent
  `
  CREATE TABLE top_history (
    agent_id  TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    t         INTEGER NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (agent_id, t)
  ) WITHOUT ROWID;
  CREATE INDEX top_history_t ON top_history(t);
  `,
  // 11: a server's display name (S4): an operator's name for it, shown where its host name is, the
  // host name kept (agents enroll and are matched by it); NULL: none given
  `
  ALTER TABLE agents ADD COLUMN display_name TEXT;
  `,
  // 12: web access-log sources and load-balancer pools (S11, B6; appliance/weblog/): a source is one
  // log file on one agent's server with its format, sent to that agent in its config; a pool is a
  // named set of sources behind one balancer with its skew rule (JSON); a source's expected share
  // of its pool is its weight over the members' sum. Bounded by WEBLOG_API_LIMITS (docs/bounds.md)
  `
  CREATE TABLE weblog_pools (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    settings    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE TABLE weblog_sources (
    id          TEXT PRIMARY KEY,
    agent_id    TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    path        TEXT NOT NULL,
    format      TEXT NOT NULL,
    interval_s  INTEGER NOT NULL,
    keep_query  INTEGER NOT NULL DEFAULT 0,
    from_start  INTEGER NOT NULL DEFAULT 0,
    pool_id     TEXT REFERENCES weblog_pools(id) ON DELETE SET NULL,
    weight      REAL NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    UNIQUE (agent_id, path)
  );
  CREATE INDEX weblog_sources_pool ON weblog_sources(pool_id);
  `,
  // 13: B11, B10: maintenance windows (appliance/alerting/maintenance/),
  // each one's scope, schedule and reason as JSON with its author; bounded by MAINTENANCE_LIMITS.
  // Server dependencies: a server's or a group's parents (agent or check ids), at most
  // DEPENDENCY_LIMITS.parentsPerOwner each (docs/bounds.md); gone with the server or group
  `
  CREATE TABLE maintenance_windows (
    id          TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE TABLE alert_dependencies (
    owner_kind  TEXT NOT NULL CHECK (owner_kind IN ('agent', 'group')),
    owner_id    TEXT NOT NULL,
    parent_id   TEXT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id, parent_id)
  );
  `,
  // 14: web log sources' live totals and merged top tables (S11; appliance/weblog/): one totals row
  // per source (exact counts since it was added, its last problem and malformed samples), and its
  // top-K tables per dimension in hour, day and week buckets, each a Space-Saving summary of at most
  // WEBLOG_TOP_KEEP entries (JSON) with its floor (the upper bound of any key left out). Both go with
  // their source (ON DELETE CASCADE). Bounds: docs/bounds.md "web logs"
  `
  CREATE TABLE weblog_totals (
    source_id        TEXT PRIMARY KEY REFERENCES weblog_sources(id) ON DELETE CASCADE,
    requests         INTEGER NOT NULL,
    bytes            INTEGER NOT NULL,
    status           TEXT NOT NULL,
    malformed        INTEGER NOT NULL,
    cut              INTEGER NOT NULL,
    samples          TEXT NOT NULL,
    problem          TEXT,
    last_interval_at INTEGER
  );
  CREATE TABLE weblog_top (
    source_id    TEXT NOT NULL REFERENCES weblog_sources(id) ON DELETE CASCADE,
    span         TEXT NOT NULL,
    bucket_start INTEGER NOT NULL,
    dimension    TEXT NOT NULL,
    floor        INTEGER NOT NULL,
    entries      TEXT NOT NULL,
    PRIMARY KEY (source_id, span, dimension, bucket_start)
  ) WITHOUT ROWID;
  CREATE INDEX weblog_top_age ON weblog_top(span, bucket_start);
  `,
  // 15: the redundancy settings (S13, B4; appliance/health/redundancy-store.ts): one row, the
  // validated JSON of PUT /api/v1/redundancy (contract/sentinel.ts bounds it), who saved it and when
  `
  CREATE TABLE redundancy_config (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    config      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL
  );
  `,
  // 16: fleet file jobs (S17; appliance/files/): uploaded files (their bytes under <data>/files,
  // deleted when no job needs them), jobs (their request as JSON, who made them) and each targeted
  // server's state. Bounds: FILES_API_LIMITS (docs/bounds.md "Fleet file jobs")
  `
  CREATE TABLE uploaded_files (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    created_by  TEXT NOT NULL
  );
  CREATE TABLE file_jobs (
    id          TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,
    file_id     TEXT,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    deadline    INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX file_jobs_file ON file_jobs(file_id);
  CREATE TABLE file_job_targets (
    job_id      TEXT NOT NULL REFERENCES file_jobs(id) ON DELETE CASCADE,
    agent_id    TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'skipped')),
    reason      TEXT,
    plan        TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (job_id, agent_id)
  ) WITHOUT ROWID;
  CREATE INDEX file_job_targets_agent ON file_job_targets(agent_id, state);
  `,
  // 17: the standby pair's configuration version (S13, B4; docs/standby.md, appliance/pair/): one
  // counter that every insert, delete or change of a copied column of a copied table moves, so
  // that any edit (any route, the console) is seen by the standby without the features knowing
  // the pair. An agent's last-seen time or inventory, a user's sessions are not configuration.
  `
  CREATE TABLE pair_config_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
  );
  INSERT INTO pair_config_version (id, version) VALUES (1, 0);
  CREATE TRIGGER pair_version_agents_insert AFTER INSERT ON agents BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_agents_delete AFTER DELETE ON agents BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_agents_update AFTER UPDATE OF hostname, secret_hash, address, awaiting_agent, display_name ON agents BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_agent_config_insert AFTER INSERT ON agent_config BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_agent_config_delete AFTER DELETE ON agent_config BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_agent_config_update AFTER UPDATE ON agent_config BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_server_groups_insert AFTER INSERT ON server_groups BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_server_groups_delete AFTER DELETE ON server_groups BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_server_groups_update AFTER UPDATE ON server_groups BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_server_group_members_insert AFTER INSERT ON server_group_members BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_server_group_members_delete AFTER DELETE ON server_group_members BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_server_group_members_update AFTER UPDATE ON server_group_members BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_alert_rules_insert AFTER INSERT ON alert_rules BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_alert_rules_delete AFTER DELETE ON alert_rules BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_alert_rules_update AFTER UPDATE ON alert_rules BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_contacts_insert AFTER INSERT ON contacts BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_contacts_delete AFTER DELETE ON contacts BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_contacts_update AFTER UPDATE ON contacts BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_checks_insert AFTER INSERT ON checks BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_checks_delete AFTER DELETE ON checks BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_checks_update AFTER UPDATE ON checks BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_alert_dependencies_insert AFTER INSERT ON alert_dependencies BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_alert_dependencies_delete AFTER DELETE ON alert_dependencies BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_alert_dependencies_update AFTER UPDATE ON alert_dependencies BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_maintenance_windows_insert AFTER INSERT ON maintenance_windows BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_maintenance_windows_delete AFTER DELETE ON maintenance_windows BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_maintenance_windows_update AFTER UPDATE ON maintenance_windows BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_users_insert AFTER INSERT ON users BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_users_delete AFTER DELETE ON users BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_users_update AFTER UPDATE OF username, role, password_hash, totp_secret, disabled, password_changed_at ON users BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  `,
  // 18: the deploy right granted per group of servers (S17, SEC; appliance/accounts/deploy-grants.ts):
  // a user may run fleet file jobs on the members of these groups. A grant goes with its user or
  // its group (the foreign keys); the standby copies it (appliance/pair/pair-tables.ts).
  `
  CREATE TABLE deploy_grants (
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id    TEXT NOT NULL REFERENCES server_groups(id) ON DELETE CASCADE,
    granted_by  TEXT NOT NULL,
    granted_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, group_id)
  ) WITHOUT ROWID;
  CREATE INDEX deploy_grants_group ON deploy_grants(group_id);
  CREATE TRIGGER pair_version_deploy_grants_insert AFTER INSERT ON deploy_grants BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_deploy_grants_delete AFTER DELETE ON deploy_grants BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  CREATE TRIGGER pair_version_deploy_grants_update AFTER UPDATE ON deploy_grants BEGIN UPDATE pair_config_version SET version = version + 1 WHERE id = 1; END;
  `,
];
