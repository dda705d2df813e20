// Compile v3-core's TestERC20 and TestUniswapV3Callee with solc 0.7.6 (the repo's settings).
const solc = require('solc');
const fs = require('fs');
const path = require('path');
// usage: node compile_v3_test_contracts.js V3_CORE_CHECKOUT OUT.json  (with solc@0.7.6 installed)
const root = process.argv[2];
const files = ['contracts/test/TestERC20.sol', 'contracts/test/TestUniswapV3Callee.sol'];
const input = {
  language: 'Solidity',
  sources: Object.fromEntries(files.map((f) => [f, { content: fs.readFileSync(path.join(root, f), 'utf8') }])),
  settings: { optimizer: { enabled: true, runs: 800 }, outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
};
function findImports(p) {
  try { return { contents: fs.readFileSync(path.join(root, p), 'utf8') }; } catch (e) { return { error: 'not found ' + p }; }
}
const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
for (const e of out.errors || []) if (e.severity === 'error') { console.error(e.formattedMessage); process.exit(1); }
const res = {};
for (const f of files) for (const [name, c] of Object.entries(out.contracts[f])) res[name] = c.evm.bytecode.object;
fs.writeFileSync(process.argv[3], JSON.stringify(res));
console.log(Object.keys(res), solc.version());
