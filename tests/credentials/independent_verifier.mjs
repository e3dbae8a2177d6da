// An independent check of the credentials Proficio issues: Digital Bazaar's @digitalbazaar/vc
// with the eddsa-rdfc-2022 cryptosuite for Data Integrity proofs, and panva's `jose` for
// VC-JWTs. Its document loader serves only the JSON-LD contexts that `make install` wrote
// from the npm context packages, plus the DID documents and status lists the test hands in;
// anything else is refused, as in Proficio.
//
// Usage: node independent_verifier.mjs REQUEST.json  (prints a JSON array of results)
// REQUEST: {"bundle": path, "contexts": {url: doc}, "documents": {url: doc},
//           "credentials": [{"name", "format": "di" | "jwt", "credential"}]}
import fs from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as jose from 'jose';
import zlib from 'node:zlib';

const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const held = new Map();
for (const [url, entry] of Object.entries(JSON.parse(fs.readFileSync(request.bundle, 'utf8')).contexts)) {
  held.set(url, entry.document);
}
for (const [url, doc] of Object.entries(request.contexts || {})) held.set(url, doc);
for (const [url, doc] of Object.entries(request.documents || {})) held.set(url, doc);

const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

function didKeyDocuments(url) {
  const did = url.split('#')[0];
  const key = did.slice('did:key:'.length);
  const vm = {'@context': MULTIKEY_V1, id: `${did}#${key}`, type: 'Multikey', controller: did,
    publicKeyMultibase: key};
  if (url.includes('#')) return vm;
  return {'@context': [DID_V1, MULTIKEY_V1], id: did, verificationMethod: [vm],
    assertionMethod: [vm.id], authentication: [vm.id]};
}

function findInDidDocument(url) {
  const did = url.split('#')[0];
  const doc = held.get(did);
  if (!doc) return undefined;
  if (!url.includes('#')) return doc;
  const vm = (doc.verificationMethod || []).find(m => m.id === url);
  return vm && {'@context': MULTIKEY_V1, ...vm};
}

async function documentLoader(url) {
  let document = held.get(url);
  if (document === undefined && url.startsWith('did:key:')) document = didKeyDocuments(url);
  if (document === undefined && url.startsWith('did:')) document = findInDidDocument(url);
  if (document === undefined) throw new Error(`document not held locally: ${url}`);
  return {contextUrl: null, documentUrl: url, document};
}

// Bitstring Status List, read independently of Proficio's code.
async function checkStatus({credential}) {
  const entries = [].concat(credential.credentialStatus || []);
  for (const entry of entries) {
    const {document: list} = await documentLoader(entry.statusListCredential);
    const listResult = await vc.verifyCredential({credential: list, suite, documentLoader});
    if (!listResult.verified) return {verified: false, error: new Error('status list not verified')};
    const bits = zlib.gunzipSync(Buffer.from(list.credentialSubject.encodedList.slice(1), 'base64url'));
    const index = Number(entry.statusListIndex);
    if (bits[index >> 3] & (0x80 >> (index & 7))) {
      return {verified: false, error: new Error('revoked')};
    }
  }
  return {verified: true};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

async function verifyDi(credential) {
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const errors = [];
  if (result.error) errors.push(String(result.error.message || result.error));
  for (const r of result.results || []) if (r.error) errors.push(String(r.error.message || r.error));
  if (result.statusResult && !result.statusResult.verified) errors.push('status: ' + result.statusResult.error?.message);
  return {verified: result.verified, errors};
}

async function jwkFor(kid) {
  const {document} = await documentLoader(kid);
  const key = await Ed25519Multikey.from(document);
  return key.export({publicKey: true, includeContext: false}).then(
    () => ({kty: 'OKP', crv: 'Ed25519',
      x: Buffer.from(key.publicKey).toString('base64url')}));
}

async function verifyJwt(token) {
  const header = jose.decodeProtectedHeader(token);
  const jwk = await jwkFor(header.kid);
  const key = await jose.importJWK(jwk, 'EdDSA');
  const {payload} = await jose.jwtVerify(token, key, {algorithms: ['EdDSA', 'Ed25519']});
  const nested = [];
  for (const item of payload.vc?.credentialSubject?.verifiableCredential || []) {
    nested.push(typeof item === 'string' ? await verifyJwt(item) : await verifyDi(item));
  }
  const errors = nested.flatMap(n => n.errors);
  if (payload.iss !== (payload.vc.issuer.id || payload.vc.issuer)) errors.push('iss differs from issuer');
  return {verified: errors.length === 0 && nested.every(n => n.verified), errors, nested: nested.length};
}

const results = [];
for (const item of request.credentials) {
  try {
    const r = item.format === 'jwt' ? await verifyJwt(item.credential) : await verifyDi(item.credential);
    results.push({name: item.name, ...r});
  } catch (error) {
    results.push({name: item.name, verified: false, errors: [String(error.message || error)]});
  }
}
process.stdout.write(JSON.stringify(results));
