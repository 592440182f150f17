// What the console (unprivileged, the `tech` login) asks root for on the board (D1, D5), and
// root's answer: a network change and a factory reset, each one small `key=value` file. Pure:
// render and parse, shared by both sides so that they cannot drift apart. The console's side is
// trusted by nobody: root parses every request here strictly (printable ASCII only, known keys
// only, bounded size and length, each address checked by checkStatic) and renders the networkd
// file itself from the checked values, so nothing the console wrote reaches a file as it was
// written (no `[Service]`, no `ExecStart=`, no path). Problems read "field: message".
import { checkStatic, type NetworkSettings } from './network-settings.js';

export type RequestKind = 'network' | 'reset';

/** the fixed names the console writes under `<spool>/requests/`; root looks at nothing else there */
export const REQUEST_FILES: Readonly<Record<RequestKind, string>> = { network: 'network.request', reset: 'reset.request' };
/** root's answer to the last request of each kind, in `<spool>/` (root-only) */
export const STATUS_FILES: Readonly<Record<RequestKind, string>> = { network: 'network.status', reset: 'reset.status' };
/** this boot's factory-reset token in `<spool>/` (root-written, readable by the console's group) */
export const RESET_TOKEN_FILE = 'reset-token';
/** RES: a request file larger than this is refused unread */
export const MAX_REQUEST_BYTES = 1024;
/** RES: a status message is cut to this */
export const MAX_STATUS_MESSAGE = 300;
/** the phrase the technician types and the reset request carries */
export const RESET_PHRASE = 'RESET';

const ID = /^[0-9a-f]{8,32}$/;
const TOKEN = /^[0-9a-f]{32}$/;
/** what a value may hold: addresses, prefixes, the mode, ids (and nothing a networkd file could misread) */
const VALUE = /^[0-9A-Za-z.:/]{1,64}$/;

export type Result = 'applied' | 'accepted' | 'refused' | 'failed';

export interface RequestStatus {
  /** the request's id; `-` when it had none that could be read */
  id: string;
  result: Result;
  message: string;
  atMs: number;
}

type Fields = Map<string, string[]>;

/** Lines of `key=value`, keys from `allowed` (each once, except `repeatable`); else the first problem. */
function parseFields(text: string, allowed: readonly string[], repeatable: readonly string[] = []): { ok: true; fields: Fields } | { ok: false; problem: string } {
  if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) return { ok: false, problem: `request: larger than ${MAX_REQUEST_BYTES} bytes` };
  // printable ASCII and newlines only: no NUL, no CR, no escape codes on the console's screen
  if (!/^[\x20-\x7e\n]*$/.test(text)) return { ok: false, problem: 'request: only printable ASCII is allowed' };
  const fields: Fields = new Map();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    if (!/^[A-Za-z]{1,16}$/.test(key)) return { ok: false, problem: `line ${i + 1}: not key=value` };
    if (!allowed.includes(key)) return { ok: false, problem: `line ${i + 1}: unknown key "${key}"` };
    const value = line.slice(eq + 1);
    if (!VALUE.test(value)) return { ok: false, problem: `${key}: only letters, digits, '.', ':' and '/' are allowed (at most 64)` };
    const list = fields.get(key) ?? [];
    if (list.length > 0 && !repeatable.includes(key)) return { ok: false, problem: `${key}: given twice` };
    list.push(value);
    fields.set(key, list);
  }
  return { ok: true, fields };
}

function idOf(fields: Fields): string | null {
  const id = fields.get('id')?.[0];
  return id !== undefined && ID.test(id) ? id : null;
}

export type ParsedRequest<T> = { ok: true; id: string; value: T } | { ok: false; id: string | null; problem: string };

export function renderNetworkRequest(id: string, s: NetworkSettings): string {
  const lines = [`id=${id}`, `mode=${s.mode}`];
  if (s.mode === 'static') {
    lines.push(`address=${s.address}/${s.prefix}`);
    if (s.gateway) lines.push(`gateway=${s.gateway}`);
    for (const d of s.dns) lines.push(`dns=${d}`);
  }
  return lines.join('\n') + '\n';
}

/** Root's reading of a network request: DHCP, or a static address checked as the console checks what is typed. */
export function parseNetworkRequest(text: string): ParsedRequest<NetworkSettings> {
  const parsed = parseFields(text, ['id', 'mode', 'address', 'gateway', 'dns'], ['dns']);
  if (!parsed.ok) return { ok: false, id: null, problem: parsed.problem };
  const f = parsed.fields;
  const id = idOf(f);
  if (id === null) return { ok: false, id: null, problem: 'id: missing or not 8–32 hex digits' };
  const mode = f.get('mode')?.[0];
  if (mode === 'dhcp') {
    const extra = ['address', 'gateway', 'dns'].find((k) => f.has(k));
    return extra ? { ok: false, id, problem: `${extra}: not allowed with mode=dhcp` } : { ok: true, id, value: { mode: 'dhcp' } };
  }
  if (mode !== 'static') return { ok: false, id, problem: 'mode: must be dhcp or static' };
  const address = f.get('address')?.[0];
  if (address === undefined || !address.includes('/')) return { ok: false, id, problem: 'address: missing, or without its /prefix' };
  const checked = checkStatic({ address, gateway: f.get('gateway')?.[0] ?? '', dns: (f.get('dns') ?? []).join(' ') });
  return checked.ok ? { ok: true, id, value: checked.settings } : { ok: false, id, problem: checked.problems.join('; ') };
}

export function renderResetRequest(id: string, token: string): string {
  return `id=${id}\nconfirm=${RESET_PHRASE}\ntoken=${token}\n`;
}

/** Root's reading of a reset request: the phrase, and this boot's token (so a stale or stray file does nothing). */
export function parseResetRequest(text: string, token: string): ParsedRequest<null> {
  const parsed = parseFields(text, ['id', 'confirm', 'token']);
  if (!parsed.ok) return { ok: false, id: null, problem: parsed.problem };
  const f = parsed.fields;
  const id = idOf(f);
  if (id === null) return { ok: false, id: null, problem: 'id: missing or not 8–32 hex digits' };
  if (f.get('confirm')?.[0] !== RESET_PHRASE) return { ok: false, id, problem: `confirm: must be ${RESET_PHRASE}` };
  const given = f.get('token')?.[0] ?? '';
  if (!TOKEN.test(token) || !sameText(given, token)) return { ok: false, id, problem: 'token: not this boot\'s reset token (read it again)' };
  return { ok: true, id, value: null };
}

/** Compares without stopping at the first difference (the token is a secret of the console's group). */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export function isResetToken(text: string): boolean {
  return TOKEN.test(text);
}

export function renderStatus(s: RequestStatus): string {
  const message = s.message.replace(/[^\x20-\x7e]/g, '?').slice(0, MAX_STATUS_MESSAGE);
  return `id=${s.id}\nresult=${s.result}\nat=${new Date(s.atMs).toISOString()}\nmessage=${message}\n`;
}

/** The console's reading of root's answer; null when it is not one. */
export function parseStatus(text: string): RequestStatus | null {
  const value = (key: string): string | undefined => text.split('\n').find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
  const result = value('result');
  const id = value('id');
  const atMs = Date.parse(value('at') ?? '');
  if (id === undefined || !['applied', 'accepted', 'refused', 'failed'].includes(result ?? '') || Number.isNaN(atMs)) return null;
  return { id, result: result as Result, message: (value('message') ?? '').slice(0, MAX_STATUS_MESSAGE), atMs };
}
