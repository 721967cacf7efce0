// Verifies an Events Subscriptions webhook with Node's crypto only: the secret header and the
// Standard Webhooks signature. Used by verify.mjs (a call saved as JSON) and express-receiver.mjs.
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
