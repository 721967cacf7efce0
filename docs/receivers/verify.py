#!/usr/bin/env python3
"""Verifies an Events Subscriptions webhook, its secret header and its signature, with the standard library only.

    python3 verify.py SECRET [SECRET_HEADER_NAME] < call.json

call.json: {"headers": {"webhook-id": ..., ...}, "body": "<the raw body, base64>"}, as
flask_receiver.py and express-receiver.mjs save each call with SAVE_CALLS=<folder>.
Prints one line per scheme; exits 0 when both are valid, 1 otherwise.
In a real receiver, run the same checks on the raw request body before parsing it as JSON.
"""
import base64
import hashlib
import hmac
import json
import sys
import time

TOLERANCE_SECONDS = 5 * 60


def secret_header_valid(body: bytes, secret: str, given: str) -> bool:
    # The secret itself (TrackTik's scheme, the default), or for a subscription with
    # secretHeaderMode "hmac-sha512" the lowercase hex HMAC-SHA512 of the raw body, keyed with the
    # secret's UTF-8 bytes. The Standard signature also proves the body is the one sent.
    given = (given or "").encode("utf-8")
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha512).hexdigest().encode()
    return hmac.compare_digest(secret.encode("utf-8"), given) or hmac.compare_digest(expected, given)


def standard_key(secret: str) -> bytes:
    # A whsec_ secret is the base64 of the key; any other secret signs with its UTF-8 bytes.
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_"):], validate=True)
        except ValueError:
            pass
    return secret.encode("utf-8")


def standard_valid(body: bytes, secret: str, headers: dict) -> bool:
    webhook_id, timestamp = headers.get("webhook-id"), headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature", "")
    if not webhook_id or not timestamp or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    signed = f"{webhook_id}.{timestamp}.".encode("utf-8") + body
    expected = "v1," + base64.b64encode(hmac.new(standard_key(secret), signed, hashlib.sha256).digest()).decode()
    # Two signatures, space-separated, for 24 h after a secret change: any one may match.
    return any(hmac.compare_digest(expected, s) for s in signatures.split(" ") if s)


def main() -> int:
    secret = sys.argv[1]
    header_name = (sys.argv[2] if len(sys.argv) > 2 else "TrackTik-Subscription-Secret").lower()
    call = json.load(sys.stdin)
    headers = {k.lower(): v for k, v in call["headers"].items()}
    body = base64.b64decode(call["body"])
    secret_header = secret_header_valid(body, secret, headers.get(header_name, ""))
    standard = standard_valid(body, secret, headers)
    print(f"secretHeader: {'valid' if secret_header else 'invalid'}")
    print(f"standard: {'valid' if standard else 'invalid'}")
    return 0 if secret_header and standard else 1


if __name__ == "__main__":
    sys.exit(main())
