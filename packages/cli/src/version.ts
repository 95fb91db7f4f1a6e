import { packageVersion } from '@sfx/core';

export const CLI_VERSION: string = packageVersion(import.meta.url);
