// The README's JavaScript (Node.js) example of minting a Sift browser
// token: a portal's backend runs the same few lines.
// Usage: node mint.mjs KEY_ID SECRET USER
import { createHmac } from 'node:crypto';

function siftToken(keyId, secret, claims) {
  const signingKey = createHmac('sha256', secret).update('sift browser token v1').digest();
  const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const signed = b64({ alg: 'HS256', typ: 'JWT', kid: keyId }) + '.' + b64({ ...claims, exp });
  return signed + '.' + createHmac('sha256', signingKey).update(signed).digest('base64url');
}

const [keyId, secret, user] = process.argv.slice(2);
console.log(siftToken(keyId, secret, { sub: user, org: 'Acme Ltd', products: ['cams'] }));
