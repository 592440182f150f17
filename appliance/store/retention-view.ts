// What GET /retention answers (S4, S14): the RRD archives of the running profile at the nominal
// collector interval, how far back they keep data, and the storage capacity those files leave.
// Pure: the composition root passes in the capacity figures.
import type { RetentionArchive, RetentionChangeStatus, RetentionResponse } from '../../contract/retention-api.js';
import { archives, RETENTION_PROFILES, retentionSpanS, type RetentionProfile } from './rrd-layout.js';

/**
 * How the profile changes: PUT /retention rewrites every existing file into the new archives
 * (retention-change.ts); the bounds of series reads and the capacity follow the new profile
 * after the next start.
 */
export const HOW_TO_CHANGE_RETENTION = 'PUT /api/v1/retention {"profile": …} after GET /api/v1/retention/preview?profile=…: every RRD file is rewritten into the new archives in the background (history beyond them is dropped); the profile is kept across restarts and overrides --retention.';

export interface RetentionFigures {
  profile: RetentionProfile;
  stepS: number;
  capacity: { freeBytes: number; bytesPerServer: number; serverCapacity: number };
  serversRegistered: number;
  change: RetentionChangeStatus | null;
}

/** The archives of a whole-machine family (cpu: AVERAGE, MIN and MAX) grouped by row width. */
function archiveRows(stepS: number, profile: RetentionProfile): RetentionArchive[] {
  const out: RetentionArchive[] = [];
  for (const r of archives(stepS, profile, 'cpu')) {
    const rowS = r.pdpPerRow * stepS;
    const same = out.find((a) => a.rowS === rowS);
    if (same) same.cfs.push(r.cf);
    else out.push({ cfs: [r.cf], rowS, keepS: rowS * r.rows, raw: r.pdpPerRow === 1 });
  }
  return out;
}

export function retentionView(f: RetentionFigures): RetentionResponse {
  return {
    profile: f.profile,
    profiles: [...RETENTION_PROFILES],
    stepS: f.stepS,
    archives: archiveRows(f.stepS, f.profile),
    spanS: retentionSpanS(f.profile),
    bytesPerServer: f.capacity.bytesPerServer,
    freeBytes: f.capacity.freeBytes,
    serverCapacity: f.capacity.serverCapacity,
    serversRegistered: f.serversRegistered,
    changeable: true,
    howToChange: HOW_TO_CHANGE_RETENTION,
    change: f.change,
  };
}
