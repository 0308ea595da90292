#!/bin/sh
# mediasoup starts this instead of its worker binary (WorkerPool's workerBin). The worker runs in
# a session of its own, so a signal sent to the server's whole process group (Ctrl-C in a
# terminal) does not close it while the server still finalises the recordings it carries; the
# server closes it afterwards. mediasoup's child is no process group leader, so setsid execs
# without forking and the pid mediasoup knows stays the worker's.
worker="${KV_MEDIASOUP_WORKER_BIN:?KV_MEDIASOUP_WORKER_BIN not set}"
if command -v setsid >/dev/null 2>&1; then exec setsid "$worker" "$@"; fi
exec "$worker" "$@"
