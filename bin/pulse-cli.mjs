#!/usr/bin/env node
// Entry for the `pulse` command: registers tsx so the TypeScript CLI runs without a build step.
import { register } from 'tsx/esm/api';

register();
await import('./pulse.ts');
