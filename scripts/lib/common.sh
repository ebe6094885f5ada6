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
# RAM, which a young generation sized from it fills before its first collection.
#
# The heap is bounded (issue 19: without -Xmx, one user's registrations took the daemon from 370 MB
# to 6.3 GB RSS). 512 MiB holds the index of a full default stash (8,192 registrations; ~300 MiB
# RSS with 200k probes), the in-flight DOF budget (4 x 8 MiB), the parse cache (16 MiB measured,
# an estimated ~50 MiB of heap) and the parse replies in flight (4 x 17 MiB); docs/THREAT-MODEL.md has the sum.
# DTPROBED_MAX_HEAP overrides it (e.g. 1g for --max-registrations far above the default); the
# installed launcher reads it when it runs, so /etc/default/dtprobed can set it.
DTP_DAEMON_MAX_HEAP_DEFAULT=512m
dtp_daemon_jvm_flags() {
  echo "-XX:+UseSerialGC -Xss512k -Xms16m -Xmx${DTPROBED_MAX_HEAP:-$DTP_DAEMON_MAX_HEAP_DEFAULT}" \
    "-XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30"
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
