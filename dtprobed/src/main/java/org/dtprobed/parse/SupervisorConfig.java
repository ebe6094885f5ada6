package org.dtprobed.parse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.dtprobed.dof.DofLimits;
import org.dtprobed.jail.ChildClasspath;
import org.dtprobed.jail.ChildCommand;
import org.dtprobed.jail.JailOptions;

/**
 * How the parser children are run. Build with {@link #builder()}; every default is a named
 * constant (and tested).
 *
 * @param children          parser children running at once
 * @param parseTimeout      deadline of one attempt (write, parse, reply); a child that misses it is killed
 * @param maxAttempts       attempts per DOF in total, as dtprobed's three
 * @param queueBound        parses waiting for a child; one more is refused with EBUSY
 * @param startTimeout      how long a new child may take to say READY
 * @param childUser         account the child drops to when the daemon runs as root
 * @param childGroup        group the child drops to; null means the user's primary group
 * @param java              the {@code java} executable for the children
 * @param classpath         the children's jars
 * @param mainClass         the children's entry point
 * @param noJail            run children without the jail (debugging only; they say so in the log)
 * @param childMaxHeapBytes {@code -Xmx} of a child
 * @param childAddressSpaceBytes RLIMIT_AS of a child
 * @param childCpuSeconds   RLIMIT_CPU of a child: a backstop; a child that used it up is replaced
 * @param sharedArchive     AppCDS archive for faster child start-up (created on first start); null for none
 * @param maxDofBytes       larger DOF is refused (E2BIG) without reaching a child; the parser's own cap
 * @param maxReplyBytes     a reply body above this is a protocol error (the child is not trusted)
 */
public record SupervisorConfig(int children, Duration parseTimeout, int maxAttempts, int queueBound,
                               Duration startTimeout, String childUser, String childGroup, Path java,
                               List<Path> classpath, String mainClass, boolean noJail, long childMaxHeapBytes,
                               long childAddressSpaceBytes, long childCpuSeconds, Path sharedArchive,
                               long maxDofBytes, int maxReplyBytes) {
    public static final int DEFAULT_CHILDREN = 1;
    public static final Duration DEFAULT_PARSE_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final int DEFAULT_QUEUE_BOUND = 64;
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
    public static final long DEFAULT_CHILD_MAX_HEAP = ChildCommand.DEFAULT_MAX_HEAP;
    /** The JVM reserves about 0.7 GiB besides its heap with {@link ChildCommand}'s flags (measured). */
    public static final long DEFAULT_CHILD_ADDRESS_SPACE = DEFAULT_CHILD_MAX_HEAP + (1L << 30);
    public static final long DEFAULT_CHILD_CPU_SECONDS = 3600;
    /**
     * The result bound with room for what its measure leaves out (relocations, violations, the
     * codec's own framing): a child is not trusted, so nothing larger is read from it.
     */
    public static final int DEFAULT_MAX_REPLY_BYTES = (int) (2 * DofLimits.DEFAULT_MAX_RESULT_BYTES + (1 << 20));
    /**
     * A child holds the request, the blob, the result and its encoding at once, each within its
     * bound: a heap below this many times their sum could fail a DOF the daemon accepted (issue 19:
     * a 256 MiB DOF was accepted and crashed every child it met).
     */
    static final int HEAP_PER_ACCEPTED_BYTE = 4;

    public SupervisorConfig {
        Objects.requireNonNull(parseTimeout, "parseTimeout");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(childUser, "childUser");
        Objects.requireNonNull(java, "java");
        Objects.requireNonNull(mainClass, "mainClass");
        classpath = List.copyOf(classpath);
        if (classpath.isEmpty()) {
            throw new IllegalArgumentException("the parser children need a classpath");
        }
        if (children < 1 || maxAttempts < 1 || queueBound < 1) {
            throw new IllegalArgumentException("children, maxAttempts and queueBound must be at least 1");
        }
        if (parseTimeout.isNegative() || parseTimeout.isZero() || startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (maxDofBytes < 64 || maxReplyBytes < 1024) {
            throw new IllegalArgumentException("maxDofBytes/maxReplyBytes too small");
        }
        if (childMaxHeapBytes < HEAP_PER_ACCEPTED_BYTE * (maxDofBytes + maxReplyBytes)) {
            throw new IllegalArgumentException("a child heap of " + childMaxHeapBytes + " bytes cannot parse what is"
                    + " accepted: " + HEAP_PER_ACCEPTED_BYTE + " x (" + maxDofBytes + " DOF + " + maxReplyBytes
                    + " reply) bytes needed");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The command that starts one child. */
    public ChildCommand childCommand() {
        JailOptions options = new JailOptions(!noJail, childUser, childGroup, childAddressSpaceBytes, childCpuSeconds, false);
        return new ChildCommand(java, classpath, mainClass, childMaxHeapBytes, sharedArchive, options);
    }

    /** Mutable builder with the defaults filled in; the classpath defaults to the jars found on this JVM's. */
    public static final class Builder {
        private int children = DEFAULT_CHILDREN;
        private Duration parseTimeout = DEFAULT_PARSE_TIMEOUT;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private int queueBound = DEFAULT_QUEUE_BOUND;
        private Duration startTimeout = DEFAULT_START_TIMEOUT;
        private String childUser = JailOptions.DEFAULT_USER;
        private String childGroup;
        private Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        private List<Path> classpath;
        private String mainClass = ChildCommand.DEFAULT_MAIN;
        private boolean noJail;
        private long childMaxHeapBytes = DEFAULT_CHILD_MAX_HEAP;
        private long childAddressSpaceBytes = DEFAULT_CHILD_ADDRESS_SPACE;
        private long childCpuSeconds = DEFAULT_CHILD_CPU_SECONDS;
        private Path sharedArchive;
        private long maxDofBytes = DofLimits.DEFAULT_MAX_LOAD_SIZE;
        private int maxReplyBytes = DEFAULT_MAX_REPLY_BYTES;

        public Builder children(int v) { children = v; return this; }
        public Builder parseTimeout(Duration v) { parseTimeout = v; return this; }
        public Builder maxAttempts(int v) { maxAttempts = v; return this; }
        public Builder queueBound(int v) { queueBound = v; return this; }
        public Builder startTimeout(Duration v) { startTimeout = v; return this; }
        public Builder childUser(String v) { childUser = v; return this; }
        public Builder childGroup(String v) { childGroup = v; return this; }
        public Builder java(Path v) { java = v; return this; }
        public Builder classpath(List<Path> v) { classpath = v; return this; }
        public Builder mainClass(String v) { mainClass = v; return this; }
        public Builder noJail(boolean v) { noJail = v; return this; }
        public Builder childMaxHeapBytes(long v) { childMaxHeapBytes = v; return this; }
        public Builder childAddressSpaceBytes(long v) { childAddressSpaceBytes = v; return this; }
        public Builder childCpuSeconds(long v) { childCpuSeconds = v; return this; }
        public Builder sharedArchive(Path v) { sharedArchive = v; return this; }
        public Builder maxDofBytes(long v) { maxDofBytes = v; return this; }
        public Builder maxReplyBytes(int v) { maxReplyBytes = v; return this; }

        public SupervisorConfig build() {
            List<Path> cp = classpath != null ? classpath : ChildClasspath.locateJars();
            return new SupervisorConfig(children, parseTimeout, maxAttempts, queueBound, startTimeout, childUser,
                    childGroup, java, cp, mainClass, noJail, childMaxHeapBytes, childAddressSpaceBytes,
                    childCpuSeconds, sharedArchive, maxDofBytes, maxReplyBytes);
        }
    }
}
