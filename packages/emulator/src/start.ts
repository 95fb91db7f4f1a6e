import type { ComputationFactory } from './context.js';
import { type Emulator, type EmulatorOptions, startEmulatorWith } from './emulator.js';

// Until the engine lands, every program is answered with ANALYTICS_PROGRAM_UNSUPPORTED.
const engineMissing: ComputationFactory = () => {
  throw Object.assign(new Error('the SignalFlow engine is not available'), {
    info: {
      errorType: 'ANALYTICS_PROGRAM_UNSUPPORTED',
      message: 'the SignalFlow engine is not available',
      line: 1,
      column: 1,
    },
  });
};

/**
 * Starts the emulator: ingest, the metadata REST API and SignalFlow (WebSocket and SSE) on one
 * HTTP server bound to 127.0.0.1.
 */
export function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulatorWith(options, engineMissing);
}
