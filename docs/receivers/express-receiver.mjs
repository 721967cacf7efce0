// A runnable webhook receiver with Express. Run it with:
//   npm install        (once, in this folder: it installs express)
//   WEBHOOK_SECRET='the subscription secret' PORT=3000 node express-receiver.mjs
// and give the subscription the url http://<this host>:3000/webhooks.
// It checks the secret header and the signature on the raw body (before parsing it), refuses what
// fails with 401, answers a delivery it has had already (same webhook-id) with 200 without handling
// it again, and prints one line per webhook handled. With SAVE_CALLS=<folder>, it also saves each
// call as <webhook-id>.json, in the form verify.mjs reads: node verify.mjs SECRET < <folder>/<id>.json.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import express from "express";
import { secretHeaderValid, standardValid } from "./webhook-verify.mjs";

const secret = process.env.WEBHOOK_SECRET;
const headerName = (process.env.SECRET_HEADER_NAME ?? "TrackTik-Subscription-Secret").toLowerCase();
const port = Number(process.env.PORT ?? 3000);
if (!secret) {
  console.error("Set WEBHOOK_SECRET to the subscription's secret.");
  process.exit(2);
}

// webhook-ids handled already (delivery is at least once); a real receiver keeps them in its database.
const handled = new Set();
const app = express();
app.post("/webhooks", express.raw({ type: "application/json", limit: "2mb" }), (request, response) => {
  const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (process.env.SAVE_CALLS) {
    const name = (headers["webhook-id"] ?? "no-id").replace(/[^A-Za-z0-9-]/g, "");
    writeFileSync(join(process.env.SAVE_CALLS, `${name}.json`), JSON.stringify({ headers, body: body.toString("base64") }));
  }
  if (!secretHeaderValid(body, secret, headers[headerName]) || !standardValid(body, secret, headers)) {
    console.log(`refused ${headers["webhook-id"] ?? "(no webhook-id)"}`);
    return response.status(401).send("invalid secret header or signature");
  }
  const id = headers["webhook-id"];
  if (handled.has(id)) {
    return response.status(200).send("already handled");
  }
  handled.add(id);
  const webhook = JSON.parse(body.toString("utf8"));
  // Handle it here (quickly: answer within the subscription's timeout, queue long work).
  console.log(`verified ${id} ${webhook.meta.event} ${JSON.stringify(webhook.data)}`);
  response.status(200).send("ok");
});
app.listen(port, "127.0.0.1", () => console.log(`listening on ${port}`));
