// The fleet screens' entry points (S2, S3, S15). In the server list: "Add server" (S3, S4: a server
// listed at once, awaiting its agent; for admins, the install command to run on it, with the
// enrollment token and the appliance's key pin: SEC), "Visitors" of all
// servers (S15) and the "Default schedule" (S2). On a server's panel: its visitors, its own
// schedule, and removing it. Each opens its screen in a dialog.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EnrollmentInfo } from '../../../contract/tls-api.js';
import type { AgentSummary } from '../../../contract/api.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import { getEnrollment, preRegisterServer, removeServer, rotateEnrollmentToken } from '../fleet-api.js';
import { useUi } from '../ui-context.js';
import { FleetDialog, ProblemList } from './fleet-dialog.js';
import { ScheduleEditor } from './schedule-editor.js';
import { VisitorsTable } from './visitors-table.js';

type Agents = readonly Pick<AgentSummary, 'id' | 'hostname'>[];

/**
 * The install command of GET /api/v1/enrollment with a copy button, and the enrollment token it
 * holds with a button to rotate it (S3, SEC). The token is a secret, so the appliance gives it to
 * admins only (`enrollment:manage`); others are told to ask one.
 */
function InstallCommand() {
  const { t } = useUi();
  const [state, setState] = useState<{ info: EnrollmentInfo | null; error: string | null; forbidden: boolean }>({ info: null, error: null, forbidden: false });
  const [copied, setCopied] = useState(false);
  const [reload, setReload] = useState(0);
  const [rotating, setRotating] = useState(false);
  const [rotated, setRotated] = useState(false);
  const code = useRef<HTMLElement>(null);
  useEffect(() => {
    const ctl = new AbortController();
    getEnrollment(ctl.signal).then(
      (info) => setState({ info, error: null, forbidden: false }),
      (e: unknown) => {
        if (ctl.signal.aborted) return;
        const forbidden = e instanceof ApiRequestError && (e.status === 401 || e.status === 403);
        setState({ info: null, error: forbidden ? null : errorReason(e), forbidden });
      },
    );
    return () => ctl.abort();
  }, [reload]);
  if (state.forbidden) return <p class="hint" data-testid="install-admin-only">{t('server.installAdminOnly')}</p>;
  if (state.error) return <ProblemList problems={[]} message={state.error} />;
  const info = state.info;
  if (!info) return <p class="hint">{t('fleet.loading')}</p>;
  // the clipboard needs a secure context (HTTPS or localhost); elsewhere the text is selected to copy by hand
  const select = (): void => {
    if (code.current) window.getSelection()?.selectAllChildren(code.current);
  };
  const copy = (): void => {
    if (!window.isSecureContext) {
      select();
      return;
    }
    navigator.clipboard.writeText(info.installCommand).then(() => setCopied(true), select);
  };
  const rotate = async (): Promise<void> => {
    if (!window.confirm(t('enroll.rotateConfirm'))) return;
    setRotating(true);
    try {
      await rotateEnrollmentToken();
      setCopied(false);
      setRotated(true);
      setReload((n) => n + 1);
    } catch (e) {
      setState({ info: null, error: errorReason(e), forbidden: false });
    } finally {
      setRotating(false);
    }
  };
  return (
    <div class="fleet-install" data-testid="install">
      <p>{t('server.install')}</p>
      <code class="fleet-command" data-testid="install-command" ref={code}>{info.installCommand}</code>
      <div class="fleet-actions">
        <button type="button" class="button button-quiet" data-testid="install-copy" onClick={copy}>
          {copied ? t('server.copied') : t('server.copy')}
        </button>
      </div>
      <p class="hint">{t('server.installPin', { pin: info.pin })}</p>
      <section class="fleet-enroll-token" data-testid="enroll-token-section">
        <h4>{t('enroll.title')}</h4>
        <p>
          <code data-testid="enroll-token">{info.token}</code>
        </p>
        <p class="hint">{t('enroll.hint')}</p>
        {rotated && (
          <p class="fleet-saved" role="status" data-testid="enroll-rotated">
            {t('enroll.rotated')}
          </p>
        )}
        {info.rotatable ? (
          <div class="fleet-actions">
            <button type="button" class="button button-quiet" data-testid="enroll-rotate" disabled={rotating} onClick={() => void rotate()}>
              {t('enroll.rotate')}
            </button>
          </div>
        ) : (
          <p class="hint" data-testid="enroll-configured">{t('enroll.configured')}</p>
        )}
      </section>
    </div>
  );
}

export function AddServerForm() {
  const { t } = useUi();
  const [name, setName] = useState('');
  const [address, setAddress] = useState('');
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<{ list: string[]; message: string | null }>({ list: [], message: null });
  const [added, setAdded] = useState<string | null>(null);
  const submit = async (): Promise<void> => {
    setBusy(true);
    setProblems({ list: [], message: null });
    try {
      const server = await preRegisterServer({ name: name.trim(), address: address.trim() });
      setAdded(server.hostname);
      setName('');
      setAddress('');
    } catch (e) {
      setProblems(e instanceof ApiRequestError && e.problems.length > 0 ? { list: [...e.problems], message: null } : { list: [], message: errorReason(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="fleet-add"
      data-testid="add-server-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <p class="hint">{t('server.addHint')}</p>
      <label class="fleet-field">
        <span>{t('server.name')}</span>
        <input required value={name} autocomplete="off" spellcheck={false} data-testid="add-name" onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label class="fleet-field">
        <span>{t('server.address')}</span>
        <input required value={address} autocomplete="off" spellcheck={false} data-testid="add-address" onInput={(e) => setAddress(e.currentTarget.value)} />
      </label>
      <ProblemList problems={problems.list} message={problems.message} />
      {added && (
        <div class="fleet-saved" role="status" data-testid="add-done">
          <p>{t('server.added', { name: added })}</p>
        </div>
      )}
      <div class="fleet-actions">
        <button type="submit" class="button" disabled={busy} data-testid="add-submit">
          {busy ? t('fleet.saving') : t('server.add')}
        </button>
      </div>
      <InstallCommand />
    </form>
  );
}

type ListDialog = 'add' | 'visitors' | 'defaults' | null;

/** Buttons under the server list's title. */
export function ServerListTools({ agents }: { agents: Agents }) {
  const { t, can } = useUi();
  const [open, setOpen] = useState<ListDialog>(null);
  const close = (): void => setOpen(null);
  return (
    <div class="fleet-tools" data-testid="fleet-tools">
      {can('servers:write') && (
        <button type="button" class="button button-quiet" data-testid="open-add-server" onClick={() => setOpen('add')}>
          {t('server.add')}
        </button>
      )}
      <button type="button" class="button button-quiet" data-testid="open-visitors" onClick={() => setOpen('visitors')}>
        {t('visitors.open')}
      </button>
      <button type="button" class="button button-quiet" data-testid="open-defaults" onClick={() => setOpen('defaults')}>
        {t('schedule.defaults')}
      </button>
      {open === 'add' && (
        <FleetDialog title={t('server.addTitle')} testId="add-server-dialog" onClose={close}>
          <AddServerForm />
        </FleetDialog>
      )}
      {open === 'visitors' && (
        <FleetDialog title={t('visitors.title')} testId="visitors-dialog" wide onClose={close}>
          <VisitorsTable agents={agents} />
        </FleetDialog>
      )}
      {open === 'defaults' && (
        <FleetDialog title={t('schedule.titleDefaults')} testId="defaults-dialog" onClose={close}>
          <ScheduleEditor />
        </FleetDialog>
      )}
    </div>
  );
}

type PanelDialog = 'visitors' | 'schedule' | null;

export interface ServerPanelToolsProps {
  agentId: string;
  hostname: string;
  awaitingAgent: boolean;
  /** after the server was removed (the panel closes) */
  onRemoved: (agentId: string) => void;
}

/** Buttons in a server panel's tool row. */
export function ServerPanelTools({ agentId, hostname, awaitingAgent, onRemoved }: ServerPanelToolsProps) {
  const { t, can } = useUi();
  const [open, setOpen] = useState<PanelDialog>(null);
  const [error, setError] = useState<string | null>(null);
  const close = (): void => setOpen(null);
  const remove = async (): Promise<void> => {
    if (!window.confirm(t('server.removeConfirm', { name: hostname }))) return;
    try {
      await removeServer(agentId);
      onRemoved(agentId);
    } catch (e) {
      setError(errorReason(e));
    }
  };
  return (
    <span class="fleet-panel-tools">
      {awaitingAgent && (
        <span class="fleet-awaiting" data-testid="panel-awaiting">
          {t('server.awaiting')}
        </span>
      )}
      <button type="button" class="button button-quiet" data-testid="panel-visitors" onClick={() => setOpen('visitors')}>
        {t('visitors.open')}
      </button>
      <button type="button" class="button button-quiet" data-testid="panel-schedule" onClick={() => setOpen('schedule')}>
        {t('schedule.open')}
      </button>
      {can('servers:write') && (
        <button type="button" class="button button-quiet fleet-remove" data-testid="panel-remove" onClick={() => void remove()}>
          {t('server.remove')}
        </button>
      )}
      {error && (
        <span class="alert alert-error" role="alert">
          {error}
        </span>
      )}
      {open === 'visitors' && (
        <FleetDialog title={t('visitors.titleOf', { host: hostname })} testId="visitors-dialog" wide onClose={close}>
          <VisitorsTable agents={[{ id: agentId, hostname }]} agentId={agentId} />
        </FleetDialog>
      )}
      {open === 'schedule' && (
        <FleetDialog title={t('schedule.titleOf', { host: hostname })} testId="schedule-dialog" onClose={close}>
          <ScheduleEditor agentId={agentId} />
        </FleetDialog>
      )}
    </span>
  );
}
