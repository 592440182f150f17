// The one file that opens a serial port (docs/conventions.md 4): `serialport` with the native binding, as a
// Duplex for the AT session. Works on real modems (/dev/ttyUSB*, /dev/serial/by-id/…) and on the
// simulator's socat pseudo-terminal.
//
// Pty caveats (notes/sms.md §3): a pty ignores the baud rate and has no RTS/CTS/DCD, and line
// ioctls may fail, so this file never reads or sets modem lines (no get()/set()); closing and
// reopening the port is what drops DTR on real hardware. `lock: true` keeps ModemManager-style
// probes out (TIOCEXCL + flock).
//
// `serialport` is imported on the first open, not with this module: the agent ships as one file
// without native addons (S20), and only a sentinel with a modem channel needs the binding.
import type { Duplex } from 'node:stream';
import { ModemError } from './modem-error.js';

export interface OpenedPort {
  readonly stream: Duplex;
  /** Closes the file descriptor (serialport's destroy() does not). Never rejects. */
  close(): Promise<void>;
}

export const MODEM_BAUD_RATE = 115_200;

/** The serialport package with its native binding; rejects with the loader's error (not found, wrong architecture). */
export async function loadSerialPort(): Promise<typeof import('serialport').SerialPort> {
  return (await import('serialport')).SerialPort;
}

/** Opens `device` (an already resolved path). Errors: RW_ERR_MODEM_GONE with the binding's reason. */
export async function openSerialPort(device: string, options: { baudRate?: number } = {}): Promise<OpenedPort> {
  let SerialPort: typeof import('serialport').SerialPort;
  try {
    SerialPort = await loadSerialPort();
  } catch (err) {
    throw new ModemError('RW_ERR_MODEM_GONE', { message: `RW_ERR_MODEM_GONE: cannot load the serialport package to open ${device}: ${(err as Error).message}`, cause: err });
  }
  const port = new SerialPort({ path: device, baudRate: options.baudRate ?? MODEM_BAUD_RATE, lock: true, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => {
      if (err) reject(new ModemError('RW_ERR_MODEM_GONE', { message: `RW_ERR_MODEM_GONE: cannot open ${device}: ${err.message}`, cause: err }));
      else resolve();
    });
  });
  // The AT session attaches its own 'error' listener and reports every error as RW_ERR_MODEM_GONE;
  // this one only covers the moments before it attaches and after it detaches, when an unhandled
  // 'error' (EIO on unplug) would otherwise end the process.
  port.on('error', () => undefined);
  return {
    stream: port,
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) {
          resolve();
          return;
        }
        port.close(() => resolve()); // an error closing a vanished device leaves nothing to release
      }),
  };
}
