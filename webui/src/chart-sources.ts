// Chart columns of one server's series over any range (S10): what a panel's time shift and zoom
// and the Compare screen fetch. A series the appliance has none of yet (404 RW_ERR_NOT_FOUND: a
// pre-registered server, an agent enrolled a moment ago) is an empty chart, not a failure.
import type { SeriesResponse } from '../../contract/api.js';
import type { Family } from '../../contract/families.js';
import { ApiRequestError, getSeries } from './api-client.js';
import type { SeriesQuery } from './api-client.js';
import { BITS_PER_BYTE, NET_FIELDS } from './metric-fields.js';
import { alignWindows, emptyWindow, scaleWindow, windowFromResponse } from './series-window.js';
import type { Columns, SeriesWindow } from './series-window.js';

export async function seriesOrNone(agentId: string, q: SeriesQuery, signal: AbortSignal): Promise<SeriesResponse | null> {
  try {
    return await getSeries(agentId, q, signal);
  } catch (e) {
    if (e instanceof ApiRequestError && e.status === 404 && e.code === 'RW_ERR_NOT_FOUND') return null;
    throw e;
  }
}

export interface ColumnsQuery {
  family: Family;
  fields: readonly string[];
  key?: string;
  from: number;
  to: number;
  points: number;
}

/** One series' fields as a window (empty when the appliance has none). */
export async function loadWindow(agentId: string, q: ColumnsQuery, signal: AbortSignal): Promise<SeriesWindow> {
  const r = await seriesOrNone(agentId, { family: q.family, from: q.from, to: q.to, points: q.points, ...(q.key === undefined ? {} : { key: q.key }) }, signal);
  return r ? windowFromResponse(q.fields, r) : emptyWindow(q.fields);
}

/** Interfaces' rx and tx in bits per second, two columns per interface, as the network chart draws them. */
export async function loadNetColumns(agentId: string, keys: readonly string[], range: Omit<ColumnsQuery, 'family' | 'fields' | 'key'>, signal: AbortSignal): Promise<Columns> {
  const windows = await Promise.all(keys.map((key) => loadWindow(agentId, { ...range, family: 'net', fields: NET_FIELDS, key }, signal)));
  return alignWindows(windows.map((w) => scaleWindow(w, BITS_PER_BYTE)));
}
