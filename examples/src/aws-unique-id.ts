// Tags every datapoint with the AWSUniqueId dimension of the EC2 instance or ECS task it runs on.
// Off AWS, getAwsUniqueId() resolves undefined within its timeout, and the points go without it.
import { AWS_ID_DIMENSION, type AwsUniqueIdOptions, getAwsUniqueId } from '@sfx/aws';
import { SignalFx, type SignalFxOptions } from '@sfx/sdk';
import { runMain } from './run-main.js';

export async function sendWithAwsUniqueId(options: SignalFxOptions = {}, token?: string, aws: AwsUniqueIdOptions = {}) {
  const ingest = new SignalFx(options).ingest(token);
  const awsId = await getAwsUniqueId({ timeoutMs: 1000, ...aws });
  if (awsId !== undefined) ingest.addDimensions({ [AWS_ID_DIMENSION]: awsId });
  ingest.send({ gauges: [{ metric: 'queue.depth', value: 7, dimensions: { queue: 'orders' } }] });
  const result = await ingest.flush();
  await ingest.close();
  return { awsId, ...result };
}

runMain(import.meta.url, async () => {
  console.log(await sendWithAwsUniqueId());
});
