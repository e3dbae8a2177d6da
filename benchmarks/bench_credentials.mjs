// The baseline for benchmarks/bench_credentials.py: @digitalbazaar/vc with the
// eddsa-rdfc-2022 cryptosuite signing and verifying the same credential with the same key,
// and the same npm contexts, in the same run. Prints one JSON line.
// Usage: node bench_credentials.mjs REQUEST.json
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';

const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const held = new Map();
for (const [url, entry] of Object.entries(JSON.parse(fs.readFileSync(request.bundle, 'utf8')).contexts)) {
  held.set(url, entry.document);
}
const {did, publicKeyMultibase, secretKeyMultibase} = request.key;
const vmId = `${did}#${publicKeyMultibase}`;
const vm = {'@context': 'https://w3id.org/security/multikey/v1', id: vmId, type: 'Multikey',
  controller: did, publicKeyMultibase};
held.set(vmId, vm);
held.set(did, {'@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
  id: did, verificationMethod: [vm], assertionMethod: [vmId]});
const documentLoader = async url => {
  const document = held.get(url);
  if (!document) throw new Error(`not held: ${url}`);
  return {contextUrl: null, documentUrl: url, document};
};
const key = await Ed25519Multikey.from({...vm, secretKeyMultibase});
const signSuite = new DataIntegrityProof({signer: key.signer(), cryptosuite});
const verifySuite = new DataIntegrityProof({cryptosuite});

async function timed(n, fn) {
  await fn();  // warm-up: contexts parsed and cached once, as in a long-running service
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
const signSeconds = await timed(request.n, () => vc.issue({
  credential: structuredClone(request.unsigned), suite: signSuite, documentLoader}));
let verified = true;
const verifySeconds = await timed(request.n, async () => {
  const r = await vc.verifyCredential({credential: request.signed, suite: verifySuite, documentLoader,
    checkStatus: async () => ({verified: true})});
  verified = verified && r.verified;
});
console.log(JSON.stringify({signSeconds, verifySeconds, verified}));
