"""Drives logship's Elasticsearch-compatible door with the official Python client, as an application would.

Usage: es_client.py URL TOKEN RUN_ID. Prints one JSON object: what each call answered, parsed by the client.
Every document carries `labels.run` = RUN_ID and a unique `message`, so the test can count them in the store.
"""

import json
import sys

from elasticsearch import ConflictError, Elasticsearch, helpers

url, token, run = sys.argv[1], sys.argv[2], sys.argv[3]
es = Elasticsearch(url, basic_auth=("logship", token), request_timeout=30)
stranger = Elasticsearch(url, basic_auth=("logship", "lsp_not-a-token"), request_timeout=30)


def doc(kind, n):
    return {"message": f"python {kind} {n}", "service": "python-client", "run": run}


out = {
    "info_version": es.info()["version"]["number"],
    "ping": es.ping(),
    "ping_without_token": stranger.ping(),
}
out["index"] = [es.index(index="app-logs", document=doc("index", n))["result"] for n in range(3)]
out["index_with_id"] = es.index(index="app-logs", id=f"{run}-py-id", document=doc("index-id", 0))["result"]
# The same id again: stored once, answered as Elasticsearch answers a second index of an unchanged document.
out["index_with_id_again"] = es.index(index="app-logs", id=f"{run}-py-id", document=doc("index-id", 0))["result"]
out["create"] = es.create(index="app-logs", id=f"{run}-py-create", document=doc("create", 0))["result"]
try:
    es.create(index="app-logs", id=f"{run}-py-create", document=doc("create", 0))
    out["create_again"] = "stored"
except ConflictError as err:
    out["create_again"] = err.meta.status

operations = []
for n in range(200):
    operations += [{"index": {"_index": "app-logs"}}, doc("bulk", n)]
answer = es.bulk(operations=operations)
out["bulk"] = {"errors": answer["errors"], "items": len(answer["items"]), "statuses": sorted({next(iter(i.values()))["status"] for i in answer["items"]})}

ok, errors = helpers.bulk(es, ({"_index": "app-logs", **doc("helpers-bulk", n)} for n in range(1000)), chunk_size=250)
out["helpers_bulk"] = {"ok": ok, "errors": errors}
print(json.dumps(out))
