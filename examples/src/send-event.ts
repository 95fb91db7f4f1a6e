// Sends one event (a deployment marker) with dimensions and properties.
import { SignalFx, type SignalFxOptions } from '@sfx/sdk';
import { runMain } from './run-main.js';

export async function sendDeploymentEvent(options: SignalFxOptions = {}, token?: string): Promise<void> {
  const ingest = new SignalFx(options).ingest(token);
  try {
    await ingest.sendEvent({
      eventType: 'deployment',
      category: 'USER_DEFINED',
      dimensions: { service: 'checkout', env: 'example' },
      properties: { version: '1.4.2', canary: true, replicas: 3 },
      timestamp: Date.now(),
    });
  } finally {
    await ingest.close();
  }
}

runMain(import.meta.url, async () => {
  await sendDeploymentEvent();
  console.log('event sent');
});
