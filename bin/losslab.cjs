#!/usr/bin/env node
// `npx losslab`: runs the built CLI (npm ci builds it through the `prepare` script).
const fs = require('node:fs');
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'cli', 'index.js');
if (!fs.existsSync(entry)) {
  console.error('losslab: the CLI is not built yet; run `npm run build:node` (npm ci runs it).');
  process.exit(1);
}
require(entry);
