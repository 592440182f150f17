// Signed download links of pushed files (S17): an agent fetches a job's file with a link the
// appliance signed for that job, that agent and that file, valid for minutes
// (SIGNED_URL_TTL_S). HMAC-SHA256 with the appliance's own key (<data>/file-link.key, never sent
// anywhere); the route checks the signature first, then the expiry, then that the job still waits
// for that agent. Pure: the key and the time are passed in.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { API_PREFIX } from '../../contract/api.js';
import { SIGNED_URL_TTL_S } from '../../contract/file-jobs.js';

export interface LinkFields {
  fileId: string;
  jobId: string;
  agentId: string;
  /** epoch seconds */
  exp: number;
}

function signature(key: Buffer, f: LinkFields): string {
  return createHmac('sha256', key).update(`rackwatch file link v1\n${f.fileId}\n${f.jobId}\n${f.agentId}\n${f.exp}`).digest('base64url');
}

/**
 * The expiry of a link made at `nowS`: rounded up to the minute, so that the links of one agent's
 * config made within one minute are the same (its config is then not published again for nothing).
 */
export function linkExpiryAt(nowS: number): number {
  return Math.ceil(nowS / 60) * 60 + SIGNED_URL_TTL_S;
}

export function signedPath(key: Buffer, f: LinkFields): string {
  const q = new URLSearchParams({ job: f.jobId, agent: f.agentId, exp: String(f.exp), sig: signature(key, f) });
  return `${API_PREFIX}/files/${encodeURIComponent(f.fileId)}/content?${q.toString()}`;
}

export type LinkCheck = { ok: true; fields: LinkFields } | { ok: false; reason: string };

/** Checks a link's query for `fileId`: the signature, then that it has not expired (nor lives longer than a link can). */
export function checkLink(key: Buffer, fileId: string, query: URLSearchParams, nowS: number): LinkCheck {
  const jobId = query.get('job') ?? '';
  const agentId = query.get('agent') ?? '';
  const expText = query.get('exp') ?? '';
  const sig = query.get('sig') ?? '';
  if (!jobId || !agentId || !/^\d{1,12}$/.test(expText) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return { ok: false, reason: 'the link lacks its job, agent, expiry or signature' };
  const fields: LinkFields = { fileId, jobId, agentId, exp: Number(expText) };
  const expected = Buffer.from(signature(key, fields));
  if (!timingSafeEqual(expected, Buffer.from(sig))) return { ok: false, reason: 'the link\'s signature is wrong' };
  if (fields.exp < nowS) return { ok: false, reason: `the link expired at ${new Date(fields.exp * 1000).toISOString()}` };
  if (fields.exp > nowS + SIGNED_URL_TTL_S + 60) return { ok: false, reason: 'the link lives longer than a link can' };
  return { ok: true, fields };
}
