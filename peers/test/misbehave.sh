#!/bin/sh
# peers/test/misbehave.sh: a peer that goes wrong on purpose, for the tests
# of how parbench (and peers/drive.py) record a failing peer.  It answers
# the setup with a proper ready line, reads the first run line, then:
#   exit1    exits with status 1 (a message on standard error)
#   hang     starts a child that sleeps, and sleeps itself, forever: the
#            run must be ended from outside and no process may be left
#   badjson  prints a line that is not JSON, then hangs
#   signal   prints one task line, then kills itself with SIGKILL
# One script, one manifest per mode (bad-*.peer), so each failure is one
# name to give --runner exec:NAME.
mode=${1:-}
case $mode in
exit1 | hang | badjson | signal) ;;
--version) echo "misbehave (sh)"; exit 0 ;;
*) echo "usage: misbehave.sh exit1|hang|badjson|signal" >&2; exit 2 ;;
esac

read -r setup || exit 1
workers=$(printf '%s\n' "$setup" |
    sed -n 's/.*"workers"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p')
list="" k=0
while [ "$k" -lt "${workers:-1}" ]; do
    list="$list${list:+,}{\"worker\":$k}"
    k=$((k + 1))
done
echo "{\"type\":\"ready\",\"protocol\":\"parbench.peer/1\",\"pid\":$$,\"clock\":\"relative\",\"workers\":[$list],\"peer\":{\"language\":\"sh\",\"label\":\"misbehave $mode\"}}"

read -r run || exit 0
rep=$(printf '%s\n' "$run" | sed -n 's/.*"rep"[[:space:]]*:[[:space:]]*\(-\{0,1\}[0-9][0-9]*\).*/\1/p')
case $mode in
exit1)
    echo "misbehave: exiting with status 1 after ready" >&2
    exit 1
    ;;
hang)
    sleep 3600 &
    echo "misbehave: hanging (pid $$, child $!)" >&2
    while :; do sleep 3600; done
    ;;
badjson)
    echo "this is {not JSON"
    while :; do sleep 3600; done
    ;;
signal)
    echo "{\"type\":\"task\",\"rep\":${rep:-0},\"id\":0,\"worker\":0,\"start\":0,\"end\":0,\"status\":0,\"error\":null,\"bytes\":8,\"value\":\"0\"}"
    echo "misbehave: killing myself with SIGKILL" >&2
    kill -KILL $$
    ;;
esac
