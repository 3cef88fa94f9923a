// Prints the suite's closing line from vitest's JSON report, in the plain form CI reads:
// "tests: N passed, N failed, N skipped".
'use strict';
const fs = require('node:fs');
const file = process.argv[2];
if (!fs.existsSync(file)) {
  console.log('tests: 0 passed, 1 failed');
  console.error(`no test report at ${file}: the test run did not complete`);
  process.exit(0);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
