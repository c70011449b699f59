#!/usr/bin/env node
// The `gymlab` bin: registers tsx so the TypeScript sources run as they are (no build step), then hands over.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
