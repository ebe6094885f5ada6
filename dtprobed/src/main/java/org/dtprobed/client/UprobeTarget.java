package org.dtprobed.client;

import java.nio.file.Path;
import java.util.OptionalInt;
import picocli.CommandLine.Option;

/** What {@code trace} and {@code publish} both take: which process, and which tracefs to arm uprobes in. */
final class UprobeTarget {
    @Option(names = {"-p", "--pid"}, paramLabel = "PID", description = "Only probes of this process.")
    Integer pid;

    @Option(names = "--tracefs", paramLabel = "DIR", description = "tracefs to use (default: found or mounted).")
    Path tracefs;

    OptionalInt only() {
        return Dtprobe.pid(pid);
    }

    TraceFs traceFs() throws java.io.IOException {
        return TraceFs.locate(tracefs);
    }
}
