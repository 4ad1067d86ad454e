// Validates FHIR R4 resources (JSON files) with the `fhir` npm package; prints one line per file
// and exits 1 if any is invalid. Usage: node validate.js FILE... (NODE_PATH: build/npm/node_modules)
const {Fhir} = require('fhir');
const fs = require('fs');

const fhir = new Fhir();
let invalid = 0;
for (const file of process.argv.slice(2)) {
  const result = fhir.validate(JSON.parse(fs.readFileSync(file, 'utf8')));
  const errors = result.messages.filter((m) => m.severity === 'error');
  console.log(`${file}: ${result.valid ? 'valid' : 'INVALID'} ${JSON.stringify(errors)}`);
  if (!result.valid) invalid++;
}
process.exit(invalid ? 1 : 0);
