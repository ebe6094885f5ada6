package org.dtprobed.stash;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dtprobed.dof.DofParser;
import org.dtprobed.dof.ParsedDof;

/**
 * Child of {@link StashFullDiskIT} (a JVM of its own: a SIGBUS outside an Unsafe access would end
 * the JVM): opens a stash in args[0] on a tmpfs, commits, then has the test's script take pages
 * of an open file away behind the stash's back and fill the file system (args[1], a command run
 * with the file's path), commits into them, gives the space back (args[2]) and commits again.
 * Prints one line per step: {@code COMMITTED pid}, {@code REFUSED KIND errno message} or
 * {@code ERROR throwable} (an Error escaping the stash).
 */
public final class MappedFaultMain {
    private MappedFaultMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        byte[] dof = StashFullDiskIT.dof(20);
        ParsedDof p = new DofParser().parse(ByteBuffer.wrap(dof), StashFullDiskIT.HELPER, 1);
        try (Stash s = Stash.open(StashConfig.small(dir))) {
            for (int pid = 1000; pid < 1010; pid++) {
                commit(s, pid, dof, p);
            }
            run(args[1], dir.resolve(StashFiles.REGISTRATIONS));
            for (int pid = 2000; pid < 2010; pid++) {
                commit(s, pid, dof, p);
            }
            run(args[2], dir.resolve(StashFiles.REGISTRATIONS));
            for (int pid = 3000; pid < 3100; pid++) {
                commit(s, pid, dof, p);
            }
        }
        System.out.println("CLOSED " + Files.readString(dir.resolve(StashLock.FILE)).lines().findFirst().orElse(""));
        System.out.flush();
        System.exit(0);
    }

    private static void commit(Stash s, int pid, byte[] dof, ParsedDof p) {
        long t0 = System.nanoTime();
        try {
            s.commit(StashFullDiskIT.record(pid), dof, p);
            System.out.println("COMMITTED " + pid + " ms=" + (System.nanoTime() - t0) / 1_000_000);
        } catch (StashException e) {
            System.out.println("REFUSED " + e.kind() + " " + e.errno() + " ms=" + (System.nanoTime() - t0) / 1_000_000
                    + " " + e.getMessage());
        } catch (Throwable t) {
            System.out.println("ERROR " + t);
        }
        System.out.flush();
    }

    private static void run(String script, Path file) throws Exception {
        Process pr = new ProcessBuilder("sh", "-c", script, "sh", file.toString()).inheritIO().start();
        if (pr.waitFor() != 0) {
            throw new IllegalStateException("script failed: " + script);
        }
    }
}
