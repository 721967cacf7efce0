// Verifies an Events Subscriptions webhook, its secret header and its signature, with Node's crypto only.
//   node verify.mjs SECRET [SECRET_HEADER_NAME] < call.json
// call.json: {"headers": {"webhook-id": ..., ...}, "body": "<the raw body, base64>"}, as
// express-receiver.mjs and flask_receiver.py save each call with SAVE_CALLS=<folder>.
// Prints one line per scheme; exits 0 when both are valid, 1 otherwise. In a real receiver
// (express: app.post(path, express.raw({type: "application/json"}), ...)), check the raw body.
import { secretHeaderValid, standardValid } from "./webhook-verify.mjs";

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
