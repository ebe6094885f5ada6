package org.dtprobed.stash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dtprobed.testkit.Await;
import org.dtprobed.testkit.ChildJvms;

/**
 * One {@link CrashWriterMain} in a child JVM, for the crash tests: started on a stash, killed once it
 * has acknowledged some operations (a moment in its work, not in wall time), and its acknowledgements
 * read back.
 */
record CrashWriterRun(Process process, Path acks) {
    /** Starts a writer on {@code dir}; its stdout and stderr go to {@code dir/writer.out}. */
    static CrashWriterRun start(Path dir, long seed, int pidBase, int round, List<String> jvmOptions) throws IOException {
        Path acks = dir.resolve("round-" + round + ".log");
        List<String> cmd = new ArrayList<>(List.of(ChildJvms.java()));
        cmd.addAll(ChildJvms.flags());
        cmd.add("-XX:+UseSerialGC");
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CrashWriterMain.class.getName(),
                dir.toString(), Long.toString(seed), Integer.toString(pidBase), Integer.toString(round), acks.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("writer.out").toFile())).start();
        return new CrashWriterRun(p, acks);
    }

    /** Waits until more than {@code n} operations are acknowledged (or the writer ended). */
    void awaitAcknowledged(int n, String ctx) throws InterruptedException {
        Await.until(ctx + ": the writer acknowledged " + n + " operations", Await.LIVENESS,
                () -> !process.isAlive() || acknowledged().size() > n, () -> process.isAlive() ? "running" : "exited");
    }

    /** kill -9; the exit status, 137 when the kill and not a failure ended it. */
    int kill() throws InterruptedException {
        process.destroyForcibly();
        return process.waitFor();
    }

    /** Complete lines only: a line cut short by the kill was never acknowledged. */
    List<String> acknowledged() {
        try {
            if (!Files.exists(acks)) {
                return List.of();
            }
            return Files.readAllLines(acks, StandardCharsets.UTF_8).stream().filter(l -> l.endsWith(" END")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
