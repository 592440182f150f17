// The set of servers open on the dashboard lives in the page URL's fragment (#open=id1,id2), so
// that an operator can bookmark a wall of servers or send it to a colleague, and a reload keeps it.

const PARAM = 'open';

export function openIdsFromHash(hash: string): string[] {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const raw = params.get(PARAM) ?? '';
  const ids = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return [...new Set(ids)];
}

export function hashWithOpenIds(hash: string, ids: readonly string[]): string {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  if (ids.length > 0) params.set(PARAM, ids.join(','));
  else params.delete(PARAM);
  const s = params.toString().replace(/%2C/gi, ',');
  return s ? `#${s}` : '';
}
