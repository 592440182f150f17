// The alerting views (S7, S8, S12) behind the header's tabs: Alerts, Rules, Groups, Contacts, SMS.
// The dashboard stays in app.tsx; this picks the other view and brings the alerting styles.
import type { Alert, ModemResponse } from '../../../contract/alerts-api.js';
import type { AgentRow } from '../agents-store.js';
import type { View } from '../alerting-model.js';
import type { Resource } from '../use-resource.js';
import { AlertsView } from './alerts-view.js';
import { ContactsView } from './contacts-view.js';
import { GroupsView } from './groups-view.js';
import { RulesView } from './rules-view.js';
import { SmsView } from './sms-view.js';

export interface AlertingScreensProps {
  view: Exclude<View, 'dashboard' | 'checks' | 'users' | 'audit' | 'account' | 'servers' | 'maintenance'>;
  agents: readonly AgentRow[];
  openAlerts: Resource<Alert[]>;
  modem: Resource<ModemResponse>;
  onOpenServer: (agentId: string) => void;
}

export function AlertingScreens({ view, agents, openAlerts, modem, onOpenServer }: AlertingScreensProps) {
  return (
    <main class="page">
      {view === 'alerts' && <AlertsView open={openAlerts} agents={agents} />}
      {view === 'rules' && <RulesView agents={agents} />}
      {view === 'groups' && <GroupsView agents={agents} onOpenServer={onOpenServer} />}
      {view === 'contacts' && <ContactsView />}
      {view === 'sms' && <SmsView modem={modem} />}
    </main>
  );
}
