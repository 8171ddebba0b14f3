#!/usr/bin/env bash
# Document-processing demo: tags a folder of documents by keywords, through the batch worker
# (GlobPattern plugin, one task per file) and the example worker (TAG action), and shows the
# job's progress through the REST API while it runs, then the tags found.
#
#   examples/run_document_demo.sh                 # the 11 sample documents x 300 copies
#   COPIES=50 examples/run_document_demo.sh
#
# It starts the whole service with scripts/serve on PORT (default 8765), in a fresh data
# folder (JOBSERVICE_DATA_DIR, default a temp folder, removed at the end: SQLite and the
# filesystem broker; set DATABASE_URL/BROKER_URL for PostgreSQL/RabbitMQ), and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8765}"
COPIES="${COPIES:-300}"
if [ -z "${JOBSERVICE_DATA_DIR:-}" ]; then
    JOBSERVICE_DATA_DIR="$(mktemp -d -t jobservice-demo-XXXX)"
    remove_data_dir=1
fi
export JOBSERVICE_DATA_DIR
PY=.venv/bin/python
BASE="http://127.0.0.1:$PORT/job-service/v1"

# The folder to process: copies of examples/documents, so that progress is visible.
DOCS="$JOBSERVICE_DATA_DIR/documents"
for copy in $(seq 1 "$COPIES"); do
    mkdir -p "$DOCS/copy-$copy"
    cp -r examples/documents/*/ "$DOCS/copy-$copy/"
done
# The batch worker lists files under BATCH_FILES_ROOT; the example worker reads the paths it
# gets under EXAMPLE_WORKER_DOCUMENT_ROOT: the same folder.
export BATCH_FILES_ROOT="$DOCS" EXAMPLE_WORKER_DOCUMENT_ROOT="$DOCS"
echo "Documents: $(find "$DOCS" -name '*.txt' | wc -l) files in $DOCS"

PORT="$PORT" scripts/serve > "$JOBSERVICE_DATA_DIR/serve.log" 2>&1 &
serve=$!
stop() {
    kill "$serve" 2>/dev/null
    wait "$serve" 2>/dev/null || true
    if [ -n "${remove_data_dir:-}" ]; then rm -rf "$JOBSERVICE_DATA_DIR"; fi
}
trap stop EXIT
until curl -sf "$BASE/ping" > /dev/null; do
    kill -0 "$serve" 2>/dev/null || { echo "the service did not start, see $JOBSERVICE_DATA_DIR/serve.log"; exit 1; }
    sleep 0.5
done

# An API token of the demo's own: the partition "demo" only, creating jobs from job types
# and reading them (scripts/serve made the data folder's secret key the service uses).
TOKEN="$($PY manage.py create_api_token --name document-demo --partitions demo --rights read,create \
    --job-types tag-documents --replace | tail -n 1)"
AUTH="Authorization: Bearer $TOKEN"

# The job, created from the job type job-types/tag-documents.yaml: a batch task for the batch
# worker (GlobPattern plugin), one TAG task per file for the example worker.
JOB="tag-documents-$(date +%s)"
curl -sf -X PUT "$BASE/partitions/demo/jobs/$JOB" -H "$AUTH" -H 'Content-Type: application/json' \
    -d '{"name": "Tag the sample documents", "type": "tag-documents", "parameters": {"glob": "**/*.txt"}}'
echo "Created job $JOB: GET $BASE/partitions/demo/jobs/$JOB"

while true; do
    read -r status percentage < <(curl -sf -H "$AUTH" "$BASE/partitions/demo/jobs/$JOB" |
        $PY -c 'import json, sys; job = json.load(sys.stdin); print(job["status"], job["percentageComplete"])')
    printf '  %-10s %6.2f %%\n' "$status" "$percentage"
    case "$status" in Completed|Failed|Cancelled) break ;; esac
    sleep 0.3
done

# The example worker's results, read from its output queue.
$PY - <<'PYTHON'
import collections, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobservice.settings")
import django
django.setup()
from django.conf import settings
from jobservice.messaging.broker import QueueDeclarer, connect, message_bytes
from jobservice.messaging.messages import decode_task_message

connection = connect(settings.BROKER_URL, data_dir=settings.BROKER_DATA_DIR)
queue = QueueDeclarer(settings.BROKER_QUEUE_TYPE).queue("example-out")(connection.channel())
results = {}
while (message := queue.get(no_ack=True)) is not None:
    result = json.loads(decode_task_message(message_bytes(message)).task_data)
    results[result.get("source")] = result.get("result")
connection.release()
print(f"{len(results)} result(s); a few of them:")
for path in sorted(results)[:11]:
    print(f"  {path}: {results[path]}")
counts = collections.Counter(tag for value in results.values() if isinstance(value, list) for tag in value)
if counts:
    print("documents per tag:", dict(sorted(counts.items())))
PYTHON
