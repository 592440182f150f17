// A QR code drawn as one SVG path (SEC: the TOTP enrolment's otpauth:// link, for a phone's
// authenticator app to scan). The modules come from `qr` (zero dependencies); the drawing is
// ours, with presentation attributes only, so the Content-Security-Policy (no inline style) holds.
import { useMemo } from 'preact/hooks';
import encodeQR from 'qr';

/** The quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4). */
const QUIET_ZONE = 4;

/** The modules of `text`'s QR code, quiet zone included: true is dark. */
export function qrModules(text: string): boolean[][] {
  return encodeQR(text, 'raw', { ecc: 'medium', border: QUIET_ZONE });
}

/** One unit square per dark module, as SVG path data (x right, y down). */
export function qrPathData(modules: readonly (readonly boolean[])[]): string {
  const parts: string[] = [];
  modules.forEach((row, y) => row.forEach((dark, x) => {
    if (dark) parts.push(`M${x} ${y}h1v1h-1z`);
  }));
  return parts.join('');
}

export function QrCode({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const { size, d } = useMemo(() => {
    const modules = qrModules(text);
    return { size: modules.length, d: qrPathData(modules) };
  }, [text]);
  return (
    <svg class="qr-code" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} data-testid={testId} shape-rendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
