#!/usr/bin/env node
// Entry for the `pulse` command: registers tsx so the TypeScript CLI runs without a build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every run that releases from 2027 will need Node 22. Locally Pulse supports
// Node 20 (Lambda runs the newest runtime), so keep the output readable; set it to false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('./pulse.ts');
