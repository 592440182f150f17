// What the standby copies from the primary (S13, B4; docs/standby.md "The configuration copy"):
// each table with its key and the columns that are configuration. Parents come before their
// children: rows are upserted in this order and deleted in the reverse one. Migration 16's
// triggers watch the same columns (a change here needs a new migration for them).

export interface PairTable {
  name: string;
  /** the primary key's columns */
  key: readonly string[];
  /** the copied columns, the key's first */
  columns: readonly string[];
}

export const PAIR_TABLES: readonly PairTable[] = [
  { name: 'users', key: ['id'], columns: ['id', 'username', 'role', 'password_hash', 'totp_secret', 'disabled', 'created_at', 'password_changed_at'] },
  // the secret hash: an agent enrolled on the primary is known to the standby by the same id and secret
  { name: 'agents', key: ['id'], columns: ['id', 'hostname', 'secret_hash', 'created_at', 'address', 'awaiting_agent', 'display_name'] },
  { name: 'agent_config', key: ['agent_id'], columns: ['agent_id', 'overrides', 'revision', 'updated_at'] },
  { name: 'server_groups', key: ['id'], columns: ['id', 'name', 'created_at'] },
  { name: 'server_group_members', key: ['group_id', 'agent_id'], columns: ['group_id', 'agent_id'] },
  { name: 'alert_rules', key: ['id'], columns: ['id', 'definition', 'builtin', 'updated_at'] },
  { name: 'contacts', key: ['id'], columns: ['id', 'name', 'phone', 'language', 'severities', 'schedule', 'escalation_level', 'enabled'] },
  { name: 'checks', key: ['id'], columns: ['id', 'type', 'agent_id', 'group_id', 'definition', 'enabled', 'created_at', 'updated_at'] },
  { name: 'alert_dependencies', key: ['owner_kind', 'owner_id', 'parent_id'], columns: ['owner_kind', 'owner_id', 'parent_id'] },
  { name: 'maintenance_windows', key: ['id'], columns: ['id', 'definition', 'author', 'created_at', 'updated_at'] },
  // S17: after users and server_groups, its parents (migration 18)
  { name: 'deploy_grants', key: ['user_id', 'group_id'], columns: ['user_id', 'group_id', 'granted_by', 'granted_at'] },
];
