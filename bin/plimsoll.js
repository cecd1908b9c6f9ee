#!/usr/bin/env node
// Entry point of the published command; runs the compiled CLI (built by `npm run build`).
import { main } from '../dist/cli/main.js';

await main();
