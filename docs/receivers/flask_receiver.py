#!/usr/bin/env python3
"""A runnable webhook receiver with Flask. Run it with:

    pip install flask          (or: apt-get install python3-flask)
    WEBHOOK_SECRET='the subscription secret' PORT=5000 python3 flask_receiver.py

and give the subscription the url http://<this host>:5000/webhooks. It checks the secret header and
the signature on the raw body (before parsing it), refuses what fails with 401, answers a delivery it
has had already (same webhook-id) with 200 without handling it again, and prints one line per webhook.
With SAVE_CALLS=<folder>, it also saves each call it receives as <webhook-id>.json, in the form
verify.py and verify.mjs read: python3 verify.py SECRET < <folder>/<webhook-id>.json.
"""
import base64
import json
import os
import sys

from flask import Flask, request

from verify import secret_header_valid, standard_valid

SECRET = os.environ.get("WEBHOOK_SECRET", "")
HEADER_NAME = os.environ.get("SECRET_HEADER_NAME", "TrackTik-Subscription-Secret")
SAVE_CALLS = os.environ.get("SAVE_CALLS")
if not SECRET:
    sys.exit("Set WEBHOOK_SECRET to the subscription's secret.")

app = Flask(__name__)
# webhook-ids handled already (delivery is at least once); a real receiver keeps them in its database.
handled = set()


@app.post("/webhooks")
def webhook():
    body = request.get_data()  # the raw bytes, as signed
    headers = {name.lower(): value for name, value in request.headers.items()}
    if SAVE_CALLS:
        name = "".join(c for c in headers.get("webhook-id", "no-id") if c.isalnum() or c == "-")
        with open(os.path.join(SAVE_CALLS, f"{name}.json"), "w", encoding="utf-8") as saved:
            json.dump({"headers": headers, "body": base64.b64encode(body).decode()}, saved)
    if not secret_header_valid(body, SECRET, headers.get(HEADER_NAME.lower(), "")) or not standard_valid(body, SECRET, headers):
        print(f"refused {headers.get('webhook-id', '(no webhook-id)')}", flush=True)
        return "invalid secret header or signature", 401
    webhook_id = headers["webhook-id"]
    if webhook_id in handled:
        return "already handled", 200
    handled.add(webhook_id)
    event = json.loads(body)
    # Handle it here (quickly: answer within the subscription's timeout, queue long work).
    print(f"verified {webhook_id} {event['meta']['event']} {json.dumps(event['data'])}", flush=True)
    return "ok", 200


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "5000"))
    print(f"listening on {port}", flush=True)
    app.run(host="127.0.0.1", port=port)
