// HTTP API types of the appliance's TLS identity and of adding servers (SEC; docs/api.md "TLS",
// "Enrollment"): the appliance answers them, the web UI and the tests read them.

/** GET /api/v1/tls: the certificate HTTPS and MQTT over TLS serve. */
export interface TlsInfo {
  /** the certificate's subject, e.g. "CN=mon.example.net, O=…" */
  subject: string;
  /** who signed it (the subject itself when self-signed) */
  issuer: string;
  selfSigned: boolean;
  /** subjectAltName entries ("DNS:…", "IP Address:…") */
  names: string[];
  /** ISO 8601 */
  validFrom: string;
  validTo: string;
  /** `sha256//…` of the public key: what agents and `curl --pinnedpubkey` check */
  pin: string;
  /** SHA-256 of the certificate, "AB:CD:…" */
  fingerprint256: string;
  /** the intermediates served after it, in order */
  chain: { subject: string; validTo: string }[];
}

/** PUT /api/v1/tls/certificate: the body. */
export interface TlsUploadRequest {
  /** PEM: the server certificate first, then the intermediates that issued it */
  certificate: string;
  /** PEM unencrypted private key; omitted: the appliance's current key (then the pin stays) */
  key?: string;
}

/** PUT /api/v1/tls/certificate: what is served from now on. */
export interface TlsUploadResponse extends TlsInfo {
  previousPin: string;
  pinChanged: boolean;
  /** when the pin changed: what to do about agents pinned to the old key */
  notice?: string;
}

/** GET /api/v1/enrollment (admins): what adding a server needs. */
export interface EnrollmentInfo {
  /** the enrollment token */
  token: string;
  /** false when it is set with --enroll-token: then only the appliance's configuration changes it */
  rotatable: boolean;
  /** `sha256//…` of the appliance's public key */
  pin: string;
  /** --public-address */
  address: string;
  httpsPort: number;
  /** 0 when MQTT over TLS is not served */
  mqttsPort: number;
  /** the command to run as root on the new server */
  installCommand: string;
}
