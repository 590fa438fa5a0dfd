"""Schemathesis hooks for CareLedger: generated path ids sometimes name the objects the runner seeded.

Random ids only ever reach the 404 branch; the seeded ids (read from the JSON file named by
CARELEDGER_SEED_FILE) make generated requests reach the real rules too. The choice depends only on the
generated value, so a failing case replays the same way.
"""

import json
import os
import zlib

from urllib3.filepost import encode_multipart_formdata

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


@schemathesis.hook
def before_call(context, case, kwargs):
    # The upload streams the file, so its fields must come before it (the spec says so in words; OpenAPI has
    # no way to order multipart parts, and the generated body lists them by name).
    if case.operation.path != "/v1/patients/{patientId}/records" or not isinstance(case.body, dict) or "file" not in case.body:
        return
    # Invalid cases are refused whatever the order; rewriting one would also undo a header it left out on
    # purpose (changing the headers makes Schemathesis treat the case as valid again).
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    fields = [(name, value) for name, value in case.body.items() if name != "file"]
    text_fields = [(name, value if isinstance(value, (str, bytes)) else json.dumps(value)) for name, value in fields]
    content = case.body["file"]
    file_part = ("file", ("file.bin", content if isinstance(content, bytes) else str(content).encode(), "application/octet-stream"))
    body, content_type = encode_multipart_formdata([*text_fields, file_part])
    kwargs["data"] = body
    kwargs.pop("files", None)
    if case.headers is None:
        case.headers = {}
    case.headers["Content-Type"] = content_type


@schemathesis.hook
def map_case(context, case):
    # A paging token (`bookmark`, `_page`) is opaque: only one a previous page answered is valid, and no
    # generator can make one. Schema-valid cases leave it out; invalid ones still send what they made.
    if case.meta is not None and case.meta.generation.mode.name == "POSITIVE" and case.query:
        for name in ("bookmark", "_page"):
            case.query.pop(name, None)
    return case
