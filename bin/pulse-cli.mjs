#!/usr/bin/env node
// Entry for the `pulse` command: runs the CLI built by scripts/build-cli.mjs (dist/cli/pulse.mjs,
// built on `npm install`), rebuilding it first when a source is newer than the build (a checkout, an
// edit), so that it never runs stale code and never compiles TypeScript as it starts.
import { buildCli, cliBuildIsCurrent, CLI_ENTRY } from '../scripts/build-cli.mjs';

// The AWS SDK warns on every run that releases from 2027 will need Node 22. Locally Pulse supports
// Node 20 (Lambda runs the newest runtime), so keep the output readable; set it to false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

if (!cliBuildIsCurrent()) await buildCli();
// Stack traces name the TypeScript sources (the build writes source maps).
process.setSourceMapsEnabled(true);
await import(new URL(`file://${CLI_ENTRY}`).href);
