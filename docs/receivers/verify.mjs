// Verifies an Events Subscriptions webhook, its secret header and its signature, with Node's crypto only.
//   node verify.mjs SECRET [SECRET_HEADER_NAME] < call.json
// call.json: {"headers": {"webhook-id": ..., ...}, "body": "<the raw body, base64>"}.
// Prints one line per scheme; exits 0 when both are valid, 1 otherwise. In a real receiver
// (express: app.post(path, express.raw({type: "application/json"}), ...)), check the raw body.
import { createHmac, timingSafeEqual } from "node:crypto";

const TOLERANCE_SECONDS = 5 * 60;

function same(a, b) {
  const x = Buffer.from(a ?? ""), y = Buffer.from(b ?? "");
  return x.length === y.length && timingSafeEqual(x, y);
}

// The secret header: the secret itself (TrackTik's scheme, the default), or for a subscription
// with secretHeaderMode "hmac-sha512" the lowercase hex HMAC-SHA512 of the raw body, keyed with the
// secret's UTF-8 bytes. Either proves the sender knows the secret; the Standard signature below
// also proves the body is the one sent.
export function secretHeaderValid(body, secret, given) {
  return same(secret, given) || same(createHmac("sha512", Buffer.from(secret, "utf8")).update(body).digest("hex"), given);
}

// Standard Webhooks: v1,base64(HMAC-SHA256(key, "{id}.{timestamp}." + body)); key = base64 of a whsec_ secret, else its UTF-8 bytes.
export function standardValid(body, secret, headers, now = Date.now() / 1000) {
  const id = headers["webhook-id"], timestamp = headers["webhook-timestamp"];
  if (!id || !timestamp || Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const key = secret.startsWith("whsec_") && /^[A-Za-z0-9+/]+={0,2}$/.test(secret.slice(6))
    ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret, "utf8");
  const expected = "v1," + createHmac("sha256", key).update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`, "utf8"), body])).digest("base64");
  // Two signatures, space-separated, for 24 h after a secret change: any one may match.
  return (headers["webhook-signature"] ?? "").split(" ").filter(Boolean).some(s => same(expected, s));
}

const [secret, headerName = "TrackTik-Subscription-Secret"] = process.argv.slice(2);
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const call = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const headers = Object.fromEntries(Object.entries(call.headers).map(([k, v]) => [k.toLowerCase(), v]));
const body = Buffer.from(call.body, "base64");
const secretHeader = secretHeaderValid(body, secret, headers[headerName.toLowerCase()]);
const standard = standardValid(body, secret, headers);
console.log(`secretHeader: ${secretHeader ? "valid" : "invalid"}`);
console.log(`standard: ${standard ? "valid" : "invalid"}`);
process.exit(secretHeader && standard ? 0 : 1);
