import { type Emulator, type EmulatorOptions, startEmulatorWith } from './emulator.js';
import { startComputation } from './engine/index.js';

/**
 * Starts the emulator: ingest, the metadata REST API and SignalFlow (WebSocket and SSE) on one
 * HTTP server bound to 127.0.0.1.
 */
export function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulatorWith(options, startComputation);
}
