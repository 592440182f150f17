// The RRD retention profile and storage capacity as the admin screen shows them (S4, S14;
// GET /api/v1/retention, docs/api.md, docs/storage.md). The profile is chosen at start
// (`--retention`) and changed over HTTP (PUT /retention): every existing file is then rewritten
// into the new archives in the background (`change` reports the progress), after a preview of
// what the change keeps and drops (GET /retention/preview).
export interface RetentionArchive {
  /** the consolidation functions kept at this row width (AVERAGE only for per-core CPU, disk I/O and TCP states) */
  cfs: ('AVERAGE' | 'MIN' | 'MAX')[];
  /** seconds one row covers (the step itself for the raw archive) */
  rowS: number;
  /** how long the archive keeps rows, seconds */
  keepS: number;
  /** one sample per row */
  raw: boolean;
}

export interface RetentionResponse {
  profile: string;
  /** the profiles this appliance knows (`--retention`) */
  profiles: string[];
  /** the collector interval the archives and capacity below are reckoned for, seconds */
  stepS: number;
  archives: RetentionArchive[];
  /** how far back anything is kept (the longest archive), seconds */
  spanS: number;
  /** a nominal server's RRD files (docs/storage.md), bytes */
  bytesPerServer: number;
  freeBytes: number;
  serverCapacity: number;
  serversRegistered: number;
  /** true: PUT /retention changes it (see howToChange) */
  changeable: boolean;
  howToChange: string;
  /** the change under way or the last one of this run, else null */
  change: RetentionChangeStatus | null;
}

/** What changing to another profile does to the files there are (GET /retention/preview?profile=). */
export interface RetentionPreview {
  from: string;
  to: string;
  /** RRD files to rewrite, and the servers they belong to */
  files: number;
  agents: number;
  bytesBefore: number;
  bytesAfter: number;
  spanBeforeS: number;
  spanAfterS: number;
  /** history older than this many seconds is dropped (the new archives hold less); null: nothing is */
  dropsOlderThanS: number | null;
  /** how long one-sample-per-row data is kept, before and after, seconds (at a 5 s step) */
  rawBeforeS: number;
  rawAfterS: number;
  /** whether the disk has room for the rewrite */
  fits: boolean;
}

export interface RetentionChangeStatus {
  from: string;
  to: string;
  state: 'running' | 'done' | 'failed';
  startedAtMs: number;
  endedAtMs: number | null;
  filesDone: number;
  filesTotal: number;
  /** files left in the old layout (retried at the next start) */
  failed: number;
  lastError: string | null;
}
