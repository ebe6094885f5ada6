package org.dtprobed.jail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The command line and environment of one parser child: one place for the JVM flags, shared by the
 * supervisor and the tests.
 *
 * <p>Flags and why: serial GC and a small heap for a small, quick JVM (C2 stays on: with C1 only a
 * &gt; 64 KiB DOF took three times as long through the child, and start-up did not measurably
 * change, BENCHMARKS.md); {@code -XX:-UseContainerSupport}
 * because the JVM otherwise keeps opening cgroup files, which the filter refuses; VM output and
 * unified logging go to stderr so that nothing but frames reaches stdout; no perf-data file and no
 * attach listener (both need files the jail forbids); the class and code spaces are kept small so
 * that an address-space limit can be tight. {@code MALLOC_ARENA_MAX} stops glibc from reserving
 * 64 MiB of address space per thread arena.
 *
 * @param java          the {@code java} executable
 * @param classpath     jars only: classes in a directory cannot be loaded once the filter is in force
 * @param mainClass     {@link JailMain} in production; test entry points otherwise
 * @param maxHeapBytes  {@code -Xmx}
 * @param sharedArchive an AppCDS archive to use, or null
 * @param options       the child's own options
 */
public record ChildCommand(Path java, List<Path> classpath, String mainClass, long maxHeapBytes,
                           Path sharedArchive, JailOptions options) {
    public static final String DEFAULT_MAIN = JailMain.class.getName();
    public static final long DEFAULT_MAX_HEAP = 256L << 20;

    public ChildCommand {
        Objects.requireNonNull(java, "java");
        Objects.requireNonNull(mainClass, "mainClass");
        Objects.requireNonNull(options, "options");
        classpath = List.copyOf(classpath);
        if (classpath.isEmpty()) {
            throw new IllegalArgumentException("the child needs a classpath");
        }
        if (maxHeapBytes < (16L << 20)) {
            throw new IllegalArgumentException("child heap of " + maxHeapBytes + " bytes is below 16 MiB");
        }
    }

    /** The JVM flags, without classpath and main class. */
    public List<String> jvmFlags() {
        List<String> f = new ArrayList<>(List.of(
                "-XX:+UseSerialGC",
                "-Xmx" + (maxHeapBytes >> 20) + "m",
                "-XX:-UseContainerSupport",
                "-XX:+DisplayVMOutputToStderr",
                "-XX:+ErrorFileToStderr",
                "-Xlog:disable",
                // cds off: JDK 25 logs an [error] at every start with a dynamic archive (native-access
                // property "not specified at dump time" although it was) and carries on; -Xshare:auto
                // falls back by itself when an archive cannot be used
                "-Xlog:all=warning,cds=off:stderr",
                "-XX:-UsePerfData",
                "-XX:+DisableAttachMechanism",
                "-XX:CompressedClassSpaceSize=64m",
                "-XX:ReservedCodeCacheSize=32m",
                "-XX:MaxMetaspaceSize=96m",
                "-Xshare:auto",
                "--enable-native-access=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.showThreadName=false",
                "-Dorg.slf4j.simpleLogger.showShortLogName=true"));
        if (sharedArchive != null) {
            f.add("-XX:SharedArchiveFile=" + sharedArchive);
        }
        // JDK 24+ only (jnr-ffi's Unsafe use); JDK 17 would refuse to start without the Ignore flag
        f.add("-XX:+IgnoreUnrecognizedVMOptions");
        f.add("--sun-misc-unsafe-memory-access=allow");
        return f;
    }

    public List<String> command() {
        List<String> c = new ArrayList<>();
        c.add(java.toString());
        c.addAll(jvmFlags());
        c.add("-cp");
        c.add(classpath.stream().map(Path::toString).collect(Collectors.joining(":")));
        c.add(mainClass);
        c.addAll(options.toArgs());
        return c;
    }

    /**
     * The command that creates the AppCDS archive: the child warms up (unjailed, since it must
     * write the archive) and exits; the JVM dumps the classes it loaded into {@code archive}.
     */
    public List<String> trainingCommand(Path archive) {
        ChildCommand training = new ChildCommand(java, classpath, mainClass, maxHeapBytes, null,
                options.withWarmOnly(true));
        List<String> c = training.command();
        c.add(1, "-XX:ArchiveClassesAtExit=" + archive);
        return c;
    }

    /**
     * Variables through which a JVM takes options from its environment: the daemon's (an operator's
     * {@code JAVA_TOOL_OPTIONS=-XX:StartFlightRecording}, say) are not the child's, and an option
     * that prints at start-up writes on its stdout, the reply pipe, before its main runs.
     */
    static final List<String> JVM_OPTION_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS");

    /** The child's environment made from the parent's {@code env}, in place. */
    public void environment(Map<String, String> env) {
        env.keySet().removeAll(JVM_OPTION_VARIABLES);
        env.put("MALLOC_ARENA_MAX", "2");
    }

    /** A builder-style copy with another main class (test entry points). */
    public ChildCommand withMainClass(String value) {
        return new ChildCommand(java, classpath, value, maxHeapBytes, sharedArchive, options);
    }

    public ChildCommand withOptions(JailOptions value) {
        return new ChildCommand(java, classpath, mainClass, maxHeapBytes, sharedArchive, value);
    }

    public ChildCommand withSharedArchive(Path value) {
        return new ChildCommand(java, classpath, mainClass, maxHeapBytes, value, options);
    }
}
