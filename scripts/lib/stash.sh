# Functions for the stash launchers (scripts/stash-dump, scripts/bench/jmh-stash). Sourced after
# lib/common.sh, not run.

# Builds stash-format (and dof-parser under it) unless its jar is newer than every source and pom
# it is made from; common.sh's dtp_ensure_built watches the daemon's jar, which this module does
# not need.
dtp_stash_ensure_built() {
  local jar="$DTP_ROOT/stash-format/target/stash-format.jar"
  if [ -f "$jar" ] && [ -f "$DTP_ROOT/stash-format/target/test-classpath.txt" ] && [ -z "$(find \
      "$DTP_ROOT/pom.xml" "$DTP_ROOT/dof-parser" "$DTP_ROOT/stash-format" -path '*/target' -prune -o \
      \( -name '*.java' -o -name pom.xml \) -newer "$jar" -print -quit)" ]; then
    return 0
  fi
  dtp_log "building stash-format (mvn package)..."
  (cd "$DTP_ROOT" && mvn -B -q -Dstyle.color=never -Dmaven.test.skip.exec=true -DskipTests -DskipITs \
    -pl stash-format -am package) >&2 || { dtp_log "build failed"; return 1; }
}
