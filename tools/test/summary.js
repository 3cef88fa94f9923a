// Prints the suite's closing line from vitest's JSON reports, in the plain form CI reads:
// "tests: N passed, N failed, N skipped". A missing report counts as a failure.
'use strict';
const fs = require('node:fs');

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) {
    console.error(`no test report at ${file}: that run did not complete`);
    failed += 1;
    continue;
  }
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // a file that fails to load has no failed tests, only a failed suite
  if (!report.success && report.numFailedTests === 0) failed += Math.max(1, report.numFailedTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
