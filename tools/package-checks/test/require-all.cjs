// Loads every built @sfx package with require(), as a CommonJS user would on Node 20.19+,
// and prints the number of named exports of each as JSON.
const names = process.argv.slice(2);
const counts = {};
for (const name of names) {
  const loaded = require(name);
  counts[name] = Object.keys(loaded).filter((key) => key !== '__esModule' && key !== 'module.exports').length;
}
process.stdout.write(JSON.stringify(counts));
