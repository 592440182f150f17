// The account views (SEC) behind the header's user name and the Users and Audit log tabs: "My
// account" for everyone, users and the audit log for an admin. app.tsx has already checked that
// the user's role may open the view (forwarding, S19, is an admin's too); this picks it and brings the account styles.
import type { AccountScreen } from '../alerting-model.js';
import { AccountView } from './account-view.js';
import { AuditView } from './audit-view.js';
import { UsersView } from './users-view.js';
import { FederationView } from './federation-view.js';
import { RedundancyView } from './redundancy-view.js';

export function AccountScreens({ view, onPasswordChanged }: { view: AccountScreen; onPasswordChanged: () => void }) {
  return (
    <main class="page">
      {view === 'account' && <AccountView onPasswordChanged={onPasswordChanged} />}
      {view === 'users' && <UsersView />}
      {view === 'audit' && <AuditView />}
      {view === 'federation' && <FederationView />}
      {view === 'redundancy' && <RedundancyView />}
    </main>
  );
}
