// One catalogue of coded errors (docs/conventions.md 7). Tests check `code`; people read `message`.

export const ERROR_CODES = {
  RW_ERR_CONFIG: 'invalid configuration',
  RW_ERR_ENROLL_TOKEN: 'the enrollment token is wrong',
  RW_ERR_CAPACITY: 'the storage cannot hold another server',
  RW_ERR_BAD_REQUEST: 'the request is malformed',
  RW_ERR_NOT_FOUND: 'no such resource',
  RW_ERR_AUTH: 'authentication failed',
  RW_ERR_ACL: 'topic not allowed for this client',
  RW_ERR_BAD_PAYLOAD: 'malformed payload',
  RW_ERR_SERIES_QUOTA: "the agent sends more series than its quota of RRD files: new ones are not stored (raise the appliance's --series-per-agent, or send fewer keys)",
  RW_ERR_RRDCACHED: 'rrdcached failed',
  RW_ERR_RRDCACHED_DOWN: 'rrdcached is not running',
  RW_ERR_INTERNAL: 'internal error',
  RW_ERR_PDU: 'the SMS PDU is malformed or uses an unsupported feature',
  RW_ERR_SMS_ENCODE: 'the SMS cannot be encoded: check the phone number, reference and validity options',
  RW_ERR_SMS_TOO_LONG: 'the text needs more than 255 SMS parts: shorten it',
  RW_ERR_MODEM_TIMEOUT: 'the modem did not answer in time: check the cable and power; the driver resets it',
  RW_ERR_MODEM_ERROR: 'the modem answered ERROR: the command is not supported or not allowed in this state',
  RW_ERR_MODEM_CMS: 'the modem refused the SMS operation (+CMS ERROR): see the code for the cause',
  RW_ERR_MODEM_CME: 'the modem reported an equipment error (+CME ERROR): see the code for the cause',
  RW_ERR_MODEM_PIN: 'the SIM PIN is missing or was rejected: set the right PIN and restart; it is never retried automatically',
  RW_ERR_MODEM_SIM: 'the SIM is missing, blocked (PUK) or broken: check the SIM card',
  RW_ERR_MODEM_GONE: 'the modem port is closed or unplugged: check the USB cable; the driver reopens it when it reappears',
  RW_ERR_MODEM_REBOOTED: 'the modem restarted while the command ran: it is re-initialised; retry the command',
  RW_ERR_MODEM_NOT_READY: 'the modem is not ready to send (starting, resetting or not registered): retry later',
  RW_ERR_MODEM_SIMULATOR: 'the modem simulator could not start: is socat installed?',
  RW_ERR_VALIDATION: 'the input has problems: each is listed as "path: message"',
  RW_ERR_CONFLICT: 'the resource is not in a state that allows this (already exists, already acknowledged, not firing)',
  RW_ERR_MODEM_DISABLED: 'no modem is configured (--modem none): start with --modem PATH or --modem sim to send SMS',
  RW_ERR_SMS_FAILED: 'an SMS failed for good (permanent or fatal modem error) and will not be retried: check the number, the SIM and the modem',
  RW_ERR_PASSWORD_TOO_SHORT: 'the password is too short: use at least 10 characters (a phrase of several words is easiest)',
  RW_ERR_PASSWORD_COMMON: 'the password is on the list of common passwords that attackers try first: choose another',
  RW_ERR_PASSWORD_IS_USERNAME: 'the password must not be the user name: choose another',
  RW_ERR_LOGIN: 'the user name or password is wrong, or the account is disabled',
  RW_ERR_TOTP: 'the one-time code is wrong or expired: enter the current code from the authenticator app',
  RW_ERR_THROTTLED: 'too many failed attempts: wait before trying again (the reply says how long)',
  RW_ERR_SETUP_CODE: 'the setup code is wrong or already used: read it with the console tool (rackwatch setup-code) on the appliance',
  RW_ERR_FORBIDDEN: 'your role does not allow this',
  RW_ERR_SESSION: 'the session has expired or was ended: sign in again',
  RW_ERR_CSRF: 'the CSRF token is missing or wrong: reload the page and try again',
  RW_ERR_STORAGE_FULL: 'the data partition is full: new data is refused (agents keep their samples) until space is freed',
  RW_ERR_STORAGE_READONLY: 'the data partition is read-only (remounted after an error?): new data is refused until it is writable again',
  RW_ERR_STORAGE_IO: 'the data partition reported an I/O error: check the SD card or disk; new data is refused meanwhile',
  RW_ERR_TLS_PIN: "the appliance presented another public key than the pinned one: if its certificate was replaced, re-run the install command on this server (or set RW_PIN to the appliance's new pin)",
  RW_ERR_APPLIANCE_DOWN: 'the appliance is not running (its console socket is missing or does not answer): network settings, logs and factory reset still work',
  RW_ERR_NETWORK_APPLY: 'the network settings could not be applied: the previous settings were restored',
  RW_ERR_FILE_TOO_LARGE: 'the file is larger than a push may be (100 MiB): the upload was stopped and nothing kept',
  RW_ERR_FILES_FULL: 'the uploaded files waiting for their jobs fill the space kept for them: wait for running jobs to finish or push a smaller file',
  RW_ERR_SIGNED_URL: 'the download link is forged, expired or not for this job, agent and file',
  RW_ERR_PAIR_STANDBY: 'this appliance is the standby of a pair: edit the configuration on the primary (docs/standby.md)',
  RW_ERR_PAIR_PROOF: 'the pair request does not prove the shared secret (a wrong secret, or a challenge that is stale or used)',
  RW_ERR_PAIR_PRIMARY_SENDS: 'not sent by the standby: the primary appliance was up for the whole grace period after it was queued, so the primary sent it',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class RwError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options);
    this.code = code;
    this.name = 'RwError';
  }
}

export function isRwError(e: unknown, code?: ErrorCode): e is RwError {
  return e instanceof RwError && (code === undefined || e.code === code);
}
