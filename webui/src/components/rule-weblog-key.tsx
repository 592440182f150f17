// The key of a rule on the `weblog` family (S11, S4): a web log source, chosen by its server and
// path rather than typed (its key is the source's id, which nobody knows by heart), or every
// source. A rule that names a source no longer there keeps it, shown by its id, so that opening
// and saving the rule does not change what it watches.
import type { WeblogSource } from '../../../contract/weblog-api.js';
import { serverLabel, type Named } from '../server-label.js';
import { useUi } from '../ui-context.js';
import { useResource } from '../use-resource.js';
import { listWeblogSources } from '../weblog-client.js';

export interface WeblogKeyPickerProps {
  /** the draft's key: a source's id, or '' / '*' for every source */
  value: string;
  agents: readonly ({ id: string } & Named)[];
  onChange: (key: string) => void;
}

/** "web-1: /var/log/nginx/access.log" (the server's display name, else the agent's id when it is gone) */
export function weblogSourceLabel(source: Pick<WeblogSource, 'agentId' | 'path'>, agents: WeblogKeyPickerProps['agents']): string {
  const agent = agents.find((a) => a.id === source.agentId);
  return `${agent ? serverLabel(agent) : source.agentId}: ${source.path}`;
}

export function WeblogKeyPicker({ value, agents, onChange }: WeblogKeyPickerProps) {
  const { t } = useUi();
  const sources = useResource((signal) => listWeblogSources(signal), []);
  const list = [...(sources.data ?? [])].sort((a, b) => weblogSourceLabel(a, agents).localeCompare(weblogSourceLabel(b, agents)));
  const any = value === '' || value === '*';
  const known = any || list.some((s) => s.id === value);
  return (
    <select value={any ? '' : value} data-testid="rule-key-weblog" onChange={(e) => onChange(e.currentTarget.value)}>
      <option value="">{t('rule.weblogAny')}</option>
      {list.map((s) => <option key={s.id} value={s.id}>{weblogSourceLabel(s, agents)}</option>)}
      {!known && <option value={value}>{t('rule.weblogGone', { id: value })}</option>}
    </select>
  );
}
