// The `zod` entry of the Lambda bundles: see zod-external.js.
import * as z from './zod-external.js';
export * from './zod-external.js';
export { z, z as default };
