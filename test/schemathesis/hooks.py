"""Schemathesis hooks for CareLedger: generated path ids sometimes name the objects the runner seeded.

Random ids only ever reach the 404 branch; the seeded ids (read from the JSON file named by
CARELEDGER_SEED_FILE) make generated requests reach the real rules too. The choice depends only on the
generated value, so a failing case replays the same way.
"""

import json
import os
import zlib

import schemathesis

with open(os.environ["CARELEDGER_SEED_FILE"], encoding="utf-8") as seed_file:
    SEED = json.load(seed_file)

# Path parameter name -> seed key holding the ids it may take.
ID_KINDS = {
    "patientId": "patients",
    "userId": "users",
    "recordId": "records",
    "consentId": "consents",
    "requestId": "requests",
    "sessionId": "sessions",
    "deviceId": "devices",
    "id": "fhirIds",
}


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    if not path_parameters:
        return path_parameters
    mapped = dict(path_parameters)
    for name, value in path_parameters.items():
        ids = SEED.get(ID_KINDS.get(name, ""), [])
        if not ids or not isinstance(value, str):
            continue
        pick = zlib.crc32(value.encode("utf-8", "surrogatepass"))
        # Two generated values in three become a seeded id; the third stays as generated.
        if pick % 3 != 0:
            mapped[name] = ids[pick % len(ids)]
    return mapped


@schemathesis.hook("map_body").apply_to(method="POST", path="/v1/patients/{patientId}/records")
def file_part_last(context, body):
    # The upload streams the file, so its fields must come before it (the spec says so in words; OpenAPI has
    # no way to order multipart parts).
    if isinstance(body, dict) and "file" in body:
        return {**{k: v for k, v in body.items() if k != "file"}, "file": body["file"]}
    return body
