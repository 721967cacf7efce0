// The README walkthrough through a client generated from the OpenAPI document the gateway serves:
// openapi-typescript turns /openapi/v1.json into schema.d.ts, and every call below goes through
// openapi-fetch typed by it, so `tsc` refuses this file if the document does not describe the API
// as it is used here. Run by GeneratedClientTests with GATEWAY, TOKEN and RECEIVER_URL set.
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

const gateway = process.env.GATEWAY!;
const token = process.env.TOKEN!;
const receiverUrl = process.env.RECEIVER_URL!;
const resource = process.env.RESOURCE!;

const client = createClient<paths>({ baseUrl: gateway, headers: { Authorization: `Bearer ${token}` } });

function fail(step: string, error: unknown): never {
  console.error(`${step} failed: ${JSON.stringify(error)}`);
  return process.exit(1);
}

// 1. Subscribe to the resource's created events, sent to the receiver.
const created = await client.POST("/rest/v1/events-subscriptions", {
  body: {
    customId: `generated-${Date.now()}`,
    name: "Walkthrough through a generated client",
    events: [`entity:${resource}:created`],
    contextFilters: { filters: [{ tag: "context.*", includeChildren: false }], exclusions: [] },
    url: receiverUrl,
    secret: "generated-client-secret-0123456789",
  },
});
if (!created.data) fail("create the subscription", created.error);
const id = created.data.data.id;
console.log(`subscription ${id} ${created.data.data.status}`);

// 2. Create an entity: it fires entity:<resource>:created.
const entity = await client.POST("/rest/v1/{resource}", {
  params: { path: { resource } },
  body: { name: "Ada Lovelace", region: null },
});
if (entity.error) fail("create the entity", entity.error);

// 3. Read the subscription's log until the delivery succeeded.
for (let attempt = 0; attempt < 60; attempt++) {
  const logs = await client.GET("/rest/v1/events-subscriptions/{id}/logs", {
    params: { path: { id: String(id) }, query: { outcome: "SUCCEEDED", limit: 10 } },
  });
  if (!logs.data) fail("read the log", logs.error);
  const delivered = logs.data.data.find(entry => entry.eventData.event === `entity:${resource}:created`);
  if (delivered) {
    console.log(`delivered ${delivered.deliveryId} ${delivered.outcome} ${delivered.statusCode}`);
    // 4. Archive it.
    const archived = await client.POST("/rest/v1/events-subscriptions/{id}/actions/archive", { params: { path: { id: String(id) } } });
    if (!archived.data) fail("archive", archived.error);
    console.log(`archived ${archived.data.data.status}`);
    process.exit(0);
  }
  await new Promise(resolve => setTimeout(resolve, 500));
}
fail("wait for the delivery", "no SUCCEEDED log entry within 30 s");
