#!/usr/bin/env node
// The `cohort` operator CLI. Runs the TypeScript entry through tsx so it needs no build step.
'use strict';
const path = require('node:path');
require('tsx/cjs/api').register({ tsconfig: path.join(__dirname, '..', '..', '..', 'tsconfig.json') });
require('../src/main.ts')
  .main(process.argv.slice(2), { out: console.log, err: console.error, env: process.env })
  .then((code) => { process.exitCode = code; });
