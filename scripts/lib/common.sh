# Shared by the scripts in scripts/: where the checkout is, installing what is missing, building.
# Sourced, not run.

DTP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DTP_JAVA25=${DTP_JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}

dtp_log() { printf '%s\n' "$*" >&2; }

# Installs the Debian packages named in scripts/lib/packages.apt (and any given as arguments)
# that are not installed yet. Runs apt-get update at most once per call.
dtp_ensure_packages() {
  local want=() p missing=()
  while read -r p; do
    p=${p%%#*}; p=${p//[[:space:]]/}
    [ -n "$p" ] && want+=("$p")
  done < "$DTP_ROOT/scripts/lib/packages.apt"
  want+=("$@")
  for p in "${want[@]}"; do
    # a command of that name counts as installed (npm or node may come from outside Debian,
    # and Debian's package would then conflict with it)
    command -v "$p" >/dev/null 2>&1 && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  dtp_log "installing: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds MODULE (default: dtprobed) and the modules under it, tests compiled but not run, unless
# its jar is newer than every source and pom it is made from.
dtp_ensure_built() {
  local module=${1:-dtprobed} sources
  case "$module" in
    dof-parser) sources=(dof-parser) ;;
    stash-format) sources=(dof-parser stash-format) ;;
    *) sources=(dof-parser protocol stash-format dtprobed) ;;
  esac
  local stamp="$DTP_ROOT/$module/target/$module.jar"
  if [ -f "$stamp" ] && [ -z "$(cd "$DTP_ROOT" && find pom.xml "${sources[@]}" -path '*/target' -prune -o \
      \( -name '*.java' -o -name pom.xml -o -name '*.properties' \) -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  dtp_log "building $module (mvn package)..."
  (cd "$DTP_ROOT" && mvn -B -q -Dstyle.color=never -DskipTests -pl "$module" -am package) >&2 \
    || { dtp_log "build failed"; return 1; }
  touch "$stamp" # maven leaves an up-to-date jar alone; the stamp must still move past the sources
}

# The JVM flags every launcher uses (read from the parent pom, so there is one list).
dtp_jvm_flags() {
  sed -n 's:.*<dtprobed.jvm.flags>\(.*\)</dtprobed.jvm.flags>.*:\1:p' "$DTP_ROOT/pom.xml"
}

# The daemon's own JVM flags (scripts/dtprobed and the installed launcher). Serial GC and a small
# initial heap that gives memory back (free ratios): idle RSS 144 -> 97 MiB and 449 -> ~300 MiB
# with 200k probes, measured in BENCHMARKS.md ("End to end"); the default initial heap is 1/64 of
# RAM, which a young generation sized from it fills before its first collection. The C heap is
# trimmed every 2 s: glibc keeps what the JIT and bursts of work freed, up to ~30 MiB of an idle
# daemon's RSS (BENCHMARKS.md, "Fifth session"); a JDK 17 older than 17.0.9 has no such option
# and, told to ignore it, runs without.
#
# The heap is bounded (issue 19: without -Xmx, one user's registrations took the daemon from 370 MB
# to 6.3 GB RSS). 512 MiB holds the index of a full default stash (8,192 registrations; ~300 MiB
# RSS with 200k probes), the in-flight DOF budget (4 x 8 MiB), the parse cache (16 MiB measured,
# an estimated ~50 MiB of heap) and the parse replies in flight (4 x 17 MiB); docs/THREAT-MODEL.md has the sum.
# DTPROBED_MAX_HEAP overrides it (e.g. 1g for --max-registrations far above the default); the
# installed launcher reads it when it runs, so /etc/default/dtprobed can set it.
DTP_DAEMON_MAX_HEAP_DEFAULT=512m
# HotSpot suspends threads (for JFR's execution sampler) with SIGUSR2 unless _JAVA_SR_SIGNUM names
# another signal; SIGUSR2 is the daemon's (Oracle dtprobed's forced reparse), so its launchers move
# the JVM's to a real-time signal nothing else uses. The same number is DtprobedMain.LAUNCHER_SUSPEND_SIGNAL.
DTP_DAEMON_SUSPEND_SIGNAL=39
dtp_daemon_jvm_flags() {
  echo "-XX:+UseSerialGC -Xss512k -Xms16m -Xmx${DTPROBED_MAX_HEAP:-$DTP_DAEMON_MAX_HEAP_DEFAULT}" \
    "-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:+IgnoreUnrecognizedVMOptions -XX:TrimNativeHeapInterval=2000"
}

# Class-data sharing (AppCDS): one archive for the daemon JVM and one for its parser children, per
# JDK, in one directory (the installed lib/dtprobed/cds, or dtprobed/target/cds for scripts/dtprobed).
# Start to READY with an empty stash: BENCHMARKS.md, "Class-data archives". An archive only works with
# the java and the jars it was made from; the JVM checks both and starts without it otherwise
# (-Xlog:cds=off keeps that silent), so a stale or missing archive costs only the time it would save.
# DTPROBED_CLASS_ARCHIVES=off neither uses nor makes them (to measure without).

# The running JDK's directory name (java-17-openjdk-amd64, temurin-25-jdk-amd64): archives are per JDK.
dtp_jdk_id() {
  local j
  j=$(readlink -f "$(command -v "${JAVA:-java}")") || return 1
  basename "$(dirname "$(dirname "$j")")"
}

# dtp_class_archive_jvm_flags DIR: the daemon JVM's flags for DIR's archive, or nothing.
dtp_class_archive_jvm_flags() {
  local a
  a="$1/dtprobed-$(dtp_jdk_id).jsa"
  [ "${DTPROBED_CLASS_ARCHIVES:-on}" != off ] && [ -f "$a" ] && echo "-XX:SharedArchiveFile=$a -Xlog:cds=off"
  return 0
}

# dtp_class_archive_args DIR: the daemon's option for DIR's parser-child archive, or nothing.
dtp_class_archive_args() {
  local a
  a="$1/parser-$(dtp_jdk_id).jsa"
  [ "${DTPROBED_CLASS_ARCHIVES:-on}" != off ] && [ -f "$a" ] && echo "--parser-class-archive=$a"
  return 0
}

# dtp_make_class_archives DIR CLASSPATH: a training run writes both archives of this JDK into DIR:
# the daemon itself (FUSE-file transport, a temporary state directory and device name) started with
# -XX:ArchiveClassesAtExit and stopped once ready; its parser child's archive is made by the daemon
# (--parser-class-archive names a missing file). CLASSPATH must be the launcher's, character for
# character. Needs root and /dev/fuse; otherwise says so and makes nothing.
dtp_make_class_archives() {
  local dir=$1 cp=$2 id st pid waited=0 ready
  [ "${DTPROBED_CLASS_ARCHIVES:-on}" != off ] || return 0
  if [ "$(id -u)" -ne 0 ] || [ ! -e /dev/fuse ]; then
    dtp_log "class-data archives not made: the training run of the daemon needs root and /dev/fuse"
    return 0
  fi
  id=$(dtp_jdk_id)
  mkdir -p "$dir"
  rm -f "$dir/dtprobed-$id.jsa" "$dir/parser-$id.jsa"
  st=$(mktemp -d /tmp/dtprobed-cds.XXXXXX)
  # shellcheck disable=SC2046
  _JAVA_SR_SIGNUM=$DTP_DAEMON_SUSPEND_SIGNAL "${JAVA:-java}" "-XX:ArchiveClassesAtExit=$dir/dtprobed-$id.jsa" -Xlog:cds=off $(dtp_daemon_jvm_flags) \
    $(dtp_jvm_flags) -cp "$cp" org.dtprobed.daemon.DtprobedMain --transport fuse --state-dir "$st/state" \
    --device "dtrace/cds-training-$$" --parser-class-archive "$dir/parser-$id.jsa" > "$st/log" 2>&1 &
  pid=$!
  ready=0
  until [ $ready -eq 1 ]; do
    grep -q 'ready: serving' "$st/log" 2>/dev/null && ready=1 && break
    if ! kill -0 "$pid" 2>/dev/null || [ $waited -ge 1200 ]; then break; fi
    sleep 0.1; waited=$((waited + 1))
  done
  kill -TERM "$pid" 2>/dev/null
  wait "$pid" || true
  # a start that failed still dumps an archive at exit: only a run that got ready trained the daemon
  if [ $ready -eq 1 ] && [ -f "$dir/dtprobed-$id.jsa" ] && [ -f "$dir/parser-$id.jsa" ]; then
    dtp_log "class-data archives made in $dir for $id"
  else
    dtp_log "class-data archives not made (the training run's log follows); the daemon starts without them"
    tail -n 5 "$st/log" >&2
    rm -f "$dir/dtprobed-$id.jsa" "$dir/parser-$id.jsa"
  fi
  rm -rf "$st"
}

# The development archives of scripts/dtprobed, made again when the daemon's jar is newer.
DTP_DEV_CLASS_ARCHIVES="$DTP_ROOT/dtprobed/target/cds"
dtp_ensure_class_archives() {
  local a
  a="$DTP_DEV_CLASS_ARCHIVES/dtprobed-$(dtp_jdk_id).jsa"
  [ "${DTPROBED_CLASS_ARCHIVES:-on}" != off ] || return 0
  if [ ! -f "$a" ] || [ "$DTP_ROOT/dtprobed/target/dtprobed.jar" -nt "$a" ]; then
    [ "$(id -u)" -eq 0 ] || return 0 # quietly: tools run as users call this too
    dtp_make_class_archives "$DTP_DEV_CLASS_ARCHIVES" "$(dtp_classpath dtprobed)"
  fi
}

# Classpath of one module: its jar plus its runtime dependencies.
dtp_classpath() {
  local module=$1
  echo "$DTP_ROOT/$module/target/$module.jar:$DTP_ROOT/$module/target/lib/*"
}

# The same with the module's test classes in front: for the test-scope harnesses the scripts run
# (TransportMain serves a transport with an in-process parser, so it stays out of the jar).
dtp_harness_classpath() {
  local module=$1
  echo "$DTP_ROOT/$module/target/test-classes:$(dtp_classpath "$module")"
}
