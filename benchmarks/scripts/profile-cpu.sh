#!/usr/bin/env bash
# CPU profile of running JVMs (a client and its page servers) with async-profiler, per thread, as collapsed stacks.
# Fetches async-profiler's jar from Maven Central once (tools.profiler:async-profiler), attaches to each PID through
# the JDK's attach API, samples for SECONDS and writes OUT-DIR/PID.collapsed plus a per-thread summary on stdout.
#
# Usage: benchmarks/scripts/profile-cpu.sh SECONDS OUT-DIR PID [PID...]
#   e.g. while `./hapager tpcb --storage hapager -c 1 -T 60s` runs:
#   benchmarks/scripts/profile-cpu.sh 8 /tmp/prof $(pgrep -f 'HapagerCli tpcb') $(pgrep -f PageServerMain)
set -euo pipefail
[ $# -ge 3 ] || { sed -n 2,8p "$0" >&2; exit 2; }
seconds=$1 out=$2; shift 2
version=3.0
cache="${HAPAGER_PROFILER_DIR:-$HOME/.cache/hapager-async-profiler-$version}"
lib="$cache/linux-x64/libasyncProfiler.so"
if [ ! -f "$lib" ]; then
  jar="$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar"
  [ -f "$jar" ] || mvn -q -B dependency:get -Dartifact="tools.profiler:async-profiler:$version" >&2
  mkdir -p "$cache" && (cd "$cache" && unzip -q -o "$jar" 'linux-x64/*')
fi
attach="$cache/Attach.java"
cat > "$attach" <<'JAVA'
public class Attach {
    public static void main(String[] a) throws Exception {
        var vm = com.sun.tools.attach.VirtualMachine.attach(a[0]);
        try { vm.loadAgentPath(a[1], a[2]); } finally { vm.detach(); }
    }
}
JAVA
mkdir -p "$out"
for pid in "$@"; do
  java "$attach" "$pid" "$lib" "start,event=cpu,interval=200us,threads,collapsed,file=$out/$pid.collapsed"
done
sleep "$seconds"
for pid in "$@"; do
  java "$attach" "$pid" "$lib" "stop,collapsed,file=$out/$pid.collapsed"
done
for pid in "$@"; do
  what=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)
  case "$what" in *PageServerMain*) what="page server" ;; *) what=$(grep -oE 'hapager.jar [a-z-]+' <<< "$what" || echo java) ;; esac
  echo "== pid $pid ($what): CPU per thread, 1 sample = 200 µs"
  # the first frame of each stack is the thread's name; fold numbered pools together
  sed -E 's/^\[(.*) tid=[0-9]+\];.* ([0-9]+)$/\1 \2/; s/(-[0-9]+)+ / /' "$out/$pid.collapsed" \
    | awk '{n=$NF; $NF=""; t[$0]+=n; s+=n} END {for (k in t) printf "%8d %5.1f%%  %s\n", t[k], 100*t[k]/s, k}' | sort -rn | head -8
done
