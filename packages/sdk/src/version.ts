import { packageVersion } from '@sfx/core';

export const SDK_VERSION: string = packageVersion(import.meta.url);
