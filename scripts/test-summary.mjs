// Reads vitest's JSON report and prints one plain closing line:
// "vitest: N passed, N failed, N skipped". Exits non-zero when nothing ran,
// when anything failed, or (under CI=true) when anything was skipped: CI
// installs every part the tests need, so a skip there means a part is missing.
import { readFileSync } from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: node scripts/test-summary.mjs <vitest-json-report>");
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, "utf8"));
const passed = report.numPassedTests ?? 0;
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`vitest: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) {
  console.error("no test ran");
  process.exit(1);
}
if (failed > 0) process.exit(1);
if (skipped > 0 && process.env.CI === "true") {
  console.error("tests were skipped under CI=true: a part they need is missing");
  process.exit(1);
}
